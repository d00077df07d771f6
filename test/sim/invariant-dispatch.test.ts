import { describe, expect, it } from 'vitest';
import { invariantListener } from '../../sim/check/dispatch.ts';
import type { TraceInvariant, TraceScope } from '../../sim/check/invariants.ts';
import { listenTo, type TraceKindName, type TraceRecord } from '../../sim/engine/trace.ts';
import { BreakerInvariant } from '../../sim/patterns/circuit-breaker.ts';
import { pathInvariants } from '../../sim/patterns/registry.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

/**
 * Trace invariants hear only the records they read: by kind, and when they say so by node and
 * (for call records) layer — so a run with thousands of breakers hands each record to the
 * breaker of its own node, not to all of them.
 */

/** An invariant that notes what it hears. */
function listening(name: string, kinds: readonly TraceKindName[] | undefined, scope?: TraceScope): TraceInvariant & { heard: string[] } {
  const heard: string[] = [];
  return { heard, kinds, scope, violation: null, examined: 0, describe: () => name, onRecord: (r) => heard.push(label(r)) };
}

function label(r: TraceRecord): string {
  return `${r.k}@${r.node}${r.k === 'call' ? `/${r.layer}` : ''}`;
}

const records: TraceRecord[] = [
  { t: 0, k: 'state', node: 'a', key: 'status', value: 'up' },
  { t: 1, k: 'state', node: 'b', key: 'status', value: 'up' },
  { t: 2, k: 'call', node: 'a', call: 1, layer: 'a.breaker', event: 'admitted' },
  { t: 3, k: 'call', node: 'a', call: 2, layer: 'a.retry', event: 'admitted' },
  { t: 4, k: 'call', node: 'b', call: 3, layer: 'a.breaker', event: 'admitted' },
  { t: 5, k: 'send', node: 'a', to: 'b', msg: 1, parent: -1, type: 'request' },
];

describe('dispatching trace records to invariants', () => {
  it('gives each invariant the kinds it reads, at the nodes and the layer it is scoped to', () => {
    const everyNode = listening('every node', ['state']);
    const atA = listening('at a', ['state', 'call'], { nodes: ['a'] });
    const breakerAtA = listening('breaker at a', ['state', 'call'], { nodes: ['a'], layer: 'a.breaker' });
    const atBoth = listening('at a and b', ['call'], { nodes: ['b', 'a', 'b'] });
    const listener = invariantListener([everyNode, atA, breakerAtA, atBoth]);
    for (const r of records) if (listener.kinds!.includes(r.k)) listener(r);
    expect(listener.kinds).toEqual(['state', 'call']);
    expect(everyNode.heard).toEqual(['state@a', 'state@b']);
    expect(atA.heard).toEqual(['state@a', 'call@a/a.breaker', 'call@a/a.retry']);
    expect(breakerAtA.heard).toEqual(['state@a', 'call@a/a.breaker']);
    expect(atBoth.heard).toEqual(['call@a/a.breaker', 'call@a/a.retry', 'call@b/a.breaker']);
  });

  it('hears every kind when one invariant does not say which it reads', () => {
    const all = listening('all', undefined, { nodes: ['a'] });
    const listener = invariantListener([all, listening('state', ['state'])]);
    for (const r of records) listener(r);
    expect(listener.kinds).toBeUndefined();
    expect(all.heard).toEqual(['state@a', 'call@a/a.breaker', 'call@a/a.retry', 'send@a']);
  });

  it('scopes a policy\'s invariants to the node and layer of the policy', () => {
    const [breaker] = pathInvariants('checkout', 'checkout->payments', [{ type: 'circuit-breaker' } as never]);
    expect(breaker).toBeInstanceOf(BreakerInvariant);
    expect(breaker.scope).toEqual({ nodes: ['checkout'], layer: 'checkout->payments.circuit-breaker' });
  });

  it('in a run with three breakers, each breaker\'s invariant examines exactly its own client\'s admissions', () => {
    const clients = ['c1', 'c2', 'c3'].map((id) => ({
      id, kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 200 },
      callPath: [{ type: 'circuit-breaker', slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 50, waitDurationInOpenStateMs: 200 }],
    }));
    const s = scenario({
      durationMs: 3000,
      nodes: [{ id: 'api', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, errorProbability: 0.6 }],
      workloads: clients,
      checks: [],
    });
    const admitted = new Map<string, number>();
    const countAdmissions = listenTo(['call'], (r) => {
      if (r.event === 'admitted') admitted.set(r.node, (admitted.get(r.node) ?? 0) + 1);
    });
    const result = runScenario(s, { listeners: [countAdmissions] });
    const verdicts = result.checks.filter((c) => c.name.includes('no call passes an open breaker'));
    expect(verdicts.map((c) => c.ok)).toEqual([true, true, true]);
    // Each breaker counted exactly its own client's admissions.
    for (const id of ['c1', 'c2', 'c3']) {
      const verdict = verdicts.find((c) => c.name.startsWith(`${id}.`))!;
      expect(verdict.detail).toBe(`held over ${admitted.get(id)} admissions`);
    }
  });
});
