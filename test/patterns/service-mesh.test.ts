/**
 * The service mesh's control plane (sim/patterns/service-mesh.ts): a version reaches each
 * sidecar after its turn in the push, sidecars disagree while it is under way, a crashed control
 * plane leaves them on the last version they got, and the pushed policies take effect.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';
import { validateScenario } from '../../sim/scenario/load.ts';

const RETRY = { type: 'retry', maxAttempts: 3, backoff: 'constant', baseMs: 0 };

/** Four services with sidecars calling a flaky backend; v1 at 0, v2 (a retry) at 1 s. */
function mesh(faults: unknown[] = [], durationMs = 5000) {
  const versions: { t: number; node: string; value: string }[] = [];
  const listener = (r: TraceRecord) => {
    if (r.k === 'state' && r.key === 'sidecar.config') versions.push({ t: r.t, node: r.node, value: r.value as string });
  };
  const services = ['a', 'b', 'c', 'd'];
  const result = runScenario(
    scenario({
      durationMs,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [
        { id: 'cp', kind: 'mesh-control-plane', sidecars: services, pushEachMs: 100, resyncIntervalMs: 60_000, configs: [{ atMs: 0 }, { atMs: 1000, outbound: [RETRY] }] },
        ...services.map((id) => ({ id, kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, calls: [{ to: 'flaky' }], sidecar: { latencySigma: 0 } })),
        { id: 'flaky', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, errorProbability: 0.5 },
      ],
      workloads: [],
      faults,
    }),
    { listeners: [listener] },
  );
  return { result, versions };
}

describe('the mesh control plane', () => {
  it('pushes a version to each sidecar in turn: sidecar k has it pushEachMs × k (plus the network) after its time', () => {
    const { result, versions } = mesh();
    const v2 = versions.filter((v) => v.value === 'v2');
    expect(v2.map((v) => [v.node, v.t])).toEqual([
      ['a', 1_101_000],
      ['b', 1_201_000],
      ['c', 1_301_000],
      ['d', 1_401_000],
    ]);
    expect(result.metrics['cp.rolloutMs']).toMatchObject({ value: 400 });
  });

  it('leaves sidecars on the last version they got while it is down, and finishes the push when it is back', () => {
    // Down from 1.15 s (after a's push) to 3.15 s.
    const { versions } = mesh([{ atMs: 1150, type: 'crash', node: 'cp', restartAfterMs: 2000 }]);
    const v2 = versions.filter((v) => v.value === 'v2');
    expect(v2[0]).toMatchObject({ node: 'a', t: 1_101_000 });
    // Back at 3.15 s, it pushes v2 from the first sidecar again (a ignores it): b, c, d after it.
    expect(v2.slice(1).map((v) => [v.node, v.t])).toEqual([
      ['b', 3_351_000],
      ['c', 3_451_000],
      ['d', 3_551_000],
    ]);
  });

  it("applies the pushed policies: with v2's retry a flaky backend's failures mostly disappear", () => {
    const runFor = (withRetry: boolean) =>
      runScenario(
        scenario({
          durationMs: 20_000,
          network: { latency: { type: 'constant', ms: 1 } },
          nodes: [
            { id: 'cp', kind: 'mesh-control-plane', sidecars: ['api'], configs: [{ atMs: 0, outbound: withRetry ? [RETRY] : [] }] },
            { id: 'api', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, calls: [{ to: 'flaky' }], sidecar: {} },
            { id: 'flaky', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, errorProbability: 0.5 },
          ],
          workloads: [{ id: 'web', kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 100 }, startMs: 1000 }],
        }),
      );
    const plain = runFor(false);
    const retried = runFor(true);
    const share = (r: ReturnType<typeof runFor>) => (r.metrics['web.error'] as number) / (r.metrics['web.requests'] as number);
    expect(share(plain)).toBeGreaterThan(0.45);
    // Three attempts: a request fails only if all three do, 0.5³.
    expect(share(retried)).toBeLessThan(0.16);
    expect(share(retried)).toBeGreaterThan(0.09);
  });

  describe('a configuration change on the fault timeline (mesh-config)', () => {
    /** The mesh with only v1 scheduled, the rest from faults. */
    function meshWith(configs: unknown[], faults: unknown[]) {
      const versions: { t: number; node: string; value: string }[] = [];
      const rollout: { t: number; value: string }[] = [];
      const listener = (r: TraceRecord) => {
        if (r.k === 'state' && r.key === 'sidecar.config') versions.push({ t: r.t, node: r.node, value: r.value as string });
        if (r.k === 'state' && r.key === 'mesh.rollout') rollout.push({ t: r.t, value: r.value as string });
      };
      const services = ['a', 'b', 'c', 'd'];
      const result = runScenario(
        scenario({
          durationMs: 5000,
          network: { latency: { type: 'constant', ms: 1 } },
          nodes: [
            { id: 'cp', kind: 'mesh-control-plane', sidecars: services, pushEachMs: 100, resyncIntervalMs: 60_000, configs },
            ...services.map((id) => ({ id, kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, calls: [{ to: 'flaky' }], sidecar: { latencySigma: 0 } })),
            { id: 'flaky', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, errorProbability: 0.5 },
          ],
          workloads: [],
          faults,
        }),
        { listeners: [listener] },
      );
      return { result, versions, rollout };
    }

    it('is pushed exactly as a scheduled version at the same time', () => {
      const scheduled = meshWith([{ atMs: 0 }, { atMs: 1000, outbound: [RETRY] }], []);
      const fault = meshWith([{ atMs: 0 }], [{ atMs: 1000, type: 'mesh-config', node: 'cp', outbound: [RETRY] }]);
      expect(fault.versions).toEqual(scheduled.versions);
      expect(fault.rollout).toEqual(scheduled.rollout);
      for (const m of ['cp.pushes', 'cp.rolloutMs', 'cp.version']) expect(fault.result.metrics[m]).toEqual(scheduled.result.metrics[m]);
    });

    it('comes before later scheduled versions, which move one number up', () => {
      const { versions } = meshWith([{ atMs: 0 }, { atMs: 3000, outbound: [] }], [{ atMs: 1000, type: 'mesh-config', node: 'cp', outbound: [RETRY] }]);
      expect(versions.filter((v) => v.node === 'a').map((v) => [v.value, v.t])).toEqual([
        ['v1', 101_000],
        ['v2', 1_101_000],
        ['v3', 3_101_000],
      ]);
    });

    it('names a mesh control plane, and its policies are checked like any call path\'s', () => {
      const base = (fault: Record<string, unknown>) => ({
        version: 1, title: 't', description: 'd', durationMs: 1000,
        nodes: [
          { id: 'cp', kind: 'mesh-control-plane', sidecars: ['a'], configs: [{ atMs: 0 }] },
          { id: 'a', kind: 'service', serviceTime: { type: 'constant', ms: 1 }, sidecar: {} },
        ],
        workloads: [],
        faults: [fault],
      });
      const paths = (input: unknown) => {
        const r = validateScenario(input);
        return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
      };
      expect(paths(base({ atMs: 10, type: 'mesh-config', node: 'cp', outbound: [RETRY] }))).toEqual([]);
      expect(paths(base({ atMs: 10, type: 'mesh-config', node: 'a' }))).toEqual(['faults[0].node: expected a mesh-control-plane node, got "a", which is not one']);
      expect(paths(base({ atMs: 10, type: 'mesh-config', node: 'nowhere' }))[0]).toMatch(/^faults\[0\]\.node: /);
      expect(paths(base({ atMs: 10, type: 'mesh-config', node: 'cp', outbound: [{ type: 'timeout', timeoutMs: -1 }] }))[0]).toMatch(/^faults\[0\]\.outbound\[0\]\.timeoutMs: /);
    });

    it('taken while the control plane is down, it is pushed when it is back (the configuration is kept outside it)', () => {
      const { versions } = meshWith([{ atMs: 0 }], [
        { atMs: 500, type: 'crash', node: 'cp', restartAfterMs: 2000 },
        { atMs: 1000, type: 'mesh-config', node: 'cp', outbound: [RETRY] },
      ]);
      // Nothing is pushed while it is down; back at 2.5 s it pushes v2 from the first sidecar.
      expect(versions.filter((v) => v.value === 'v2').map((v) => [v.node, v.t])).toEqual([
        ['a', 2_601_000],
        ['b', 2_701_000],
        ['c', 2_801_000],
        ['d', 2_901_000],
      ]);
    });
  });
});
