/**
 * End-to-end: data and topology scenarios in the sandbox draw their patterns' state on the
 * topology — an outbox's backlog and a dual write's lost events, an event store's log and
 * snapshots, a read model's lag and its users' stale reads, a shard router's load and keys moved,
 * a store's versions and conflicts, a sidecar, a gateway's calls per backend — with no console
 * errors, at both screen sizes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseScenario, open, SCREENSHOTS, seek, useSandbox, waitForDone } from './harness.ts';

useSandbox();

const CASES = [
  { id: 'data/outbox-vs-dual-write', variant: null, labels: ['order service', 'outbox backlog', 'shipping'] },
  { id: 'data/outbox-vs-dual-write', variant: 'commit-then-publish', labels: ['order service', 'events lost'] },
  { id: 'data/cqrs-read-your-writes', variant: null, labels: ['order view', 'events behind', 'stale reads', 'events'] },
  { id: 'data/event-sourcing-replay', variant: 'snapshots', labels: ['account service', 'events', 'snapshots'] },
  { id: 'data/sharding-resize', variant: 'consistent-hashing', labels: ['keys moved', 'load max/mean', '→ s1'] },
  { id: 'data/occ-contention', variant: null, labels: ['writes', 'conflicts', 'writers done'] },
  { id: 'topology/sidecar-tax', variant: null, labels: ['proxy', 'basic'] },
  { id: 'topology/mesh-rollout', variant: null, labels: ['rollout', 'mesh config', 'v2'] },
  { id: 'topology/api-gateway', variant: null, labels: ['API gateway', '→ product-v1', '→ product-v2', '→ recommendations'] },
  { id: 'topology/strangler-fig', variant: null, labels: ['▸ GET /catalog', '100%', '▸ GET /orders', 'rolled back'] },
  // After the eviction (240 s): the registry's leases and last eviction, the client's view.
  { id: 'topology/service-discovery', variant: null, labels: ['Eureka registry', 'leases', 'last evicted', 'orders-3', 'view', '7 instances'], atUs: 250_000_000 },
  { id: 'topology/service-discovery', variant: 'two-die-self-preservation', labels: ['mode', 'self-preservation', '8 instances'], atUs: 250_000_000 },
] as const satisfies readonly { id: string; variant: string | null; labels: readonly string[]; atUs?: number }[];

describe('data and topology patterns in the sandbox', () => {
  it.each(CASES)('$id $variant draws its data state', async (c) => {
    const { id, variant, labels } = c;
    const { page, problems } = await open();
    for (const [width, height] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width, height });
      await chooseScenario(page, id);
      if (variant !== null) await page.getByTestId('variant').selectOption(variant);
      await page.getByTestId('run').click();
      await waitForDone(page, 1);
      await seek(page, 'atUs' in c ? c.atUs : 45_000_000);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.getByTestId('topology').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, `${id.replace('/', '-')}${variant === null ? '' : `-${variant}`}-${width}.png`) });
      const text = (await page.getByTestId('topology').textContent()) ?? '';
      for (const label of labels) expect(text, `${id} at ${width}×${height}`).toContain(label);
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});
