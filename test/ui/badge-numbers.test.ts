/**
 * The numbers on the topology's badges are the engine's numbers: at the end of every built-in
 * scenario, each badge that shows a count is compared with the run's own metrics (RunResult
 * .metrics, what `npm run sim -- run --json` prints). The badges are computed the way the page
 * computes them: the trace recorded into a TraceStore (test/ui/recorded.ts), folded to the end,
 * rendered by ui/patterns/registry.ts. A badge with a number and no audit here fails the test,
 * so a new renderer must say which metric it agrees with (or why none can).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { nodeStateEntries, renderContext } from '../../ui/patterns/node-state.ts';
import { policyParams } from '../../ui/patterns/params.ts';
import { renderState, shortLayer, type Badge } from '../../ui/patterns/registry.ts';
import { applyVariant } from '../../sim/scenario/load.ts';
import { builtIn, scenario } from '../helpers.ts';
import { recordRun } from './recorded.ts';

type Metrics = Record<string, number | Record<string, number>>;

interface NodeBadges {
  node: string;
  badges: Badge[];
  metrics: Metrics;
  scenario: Scenario;
}

/** A count metric (or a gauge's current value); fails loudly if the engine has no such metric. */
function metric(metrics: Metrics, name: string): number {
  const m = metrics[name];
  if (m === undefined) throw new Error(`the run has no metric ${name}`);
  return typeof m === 'number' ? m : m.value;
}

/** "6 ok · 4 undone" → { ok: 6, undone: 4 }. */
function counts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(' · ')) {
    const m = /^(\d+) (.+)$/.exec(part.trim());
    if (m) out[m[2]] = Number(m[1]);
  }
  return out;
}

function nodeSpec(s: Scenario, id: string): Record<string, unknown> {
  return (s.nodes.find((n) => n.id === id) ?? {}) as Record<string, unknown>;
}

/** The saga-starter a choreographed service belongs to (the built-ins have one per scenario). */
function starterOf(s: Scenario): string {
  const starters = s.nodes.filter((n) => n.kind === 'saga-starter');
  expect(starters).toHaveLength(1);
  return starters[0].id;
}

/** Each audit claims badges by label and checks their numbers; `null` marks a badge whose number is no count of the engine's (with why). */
const AUDITS: { label: RegExp; check: ((b: Badge, n: NodeBadges) => void) | null; why?: string }[] = [
  {
    // A message queue's badges: its depth and in-flight gauges, messages moved to its
    // dead-letter queue, and (on a dead-letter queue) those that arrived; a topic's pending
    // deliveries, and those it dead-lettered or dropped.
    label: /^(queued|to dead-letter queue|dead letters|pending deliveries|dropped)$/,
    check: (b, { node, metrics }) => {
      if (b.label === 'queued') {
        // "120 · 3 in flight", or "120" with nothing in flight.
        const [waiting, flying] = b.text.split(' · ').map((t) => Number(t.split(' ')[0]));
        expect(waiting, `${node} waiting`).toBe(metric(metrics, `${node}.depth`));
        expect(flying ?? 0, `${node} in flight`).toBe(metric(metrics, `${node}.inFlight`));
        return;
      }
      const names: Record<string, string> = { 'to dead-letter queue': 'deadLettered', 'dead letters': 'deadLetterArrivals', 'pending deliveries': 'pending', dropped: 'dropped' };
      expect(Number(b.text), `${node} ${b.label}`).toBe(metric(metrics, `${node}.${names[b.label]}`));
    },
  },
  {
    label: /^sagas running$/,
    check: (b, { node, metrics }) => {
      const here = Number(b.text.split(' ')[0]);
      // An orchestrator runs its sagas itself; a choreographed service runs only its own step of each.
      if (metrics[`${node}.sagas.running`] !== undefined) expect(here, `${node} sagas running`).toBe(metric(metrics, `${node}.sagas.running`));
      else expect(here, `${node} sagas running`).toBeLessThanOrEqual(sumOf(metrics, '.sagas.running'));
    },
  },
  {
    label: /^ended$/,
    check: (b, { node, metrics, scenario }) => {
      const c = counts(b.text);
      const chor = nodeSpec(scenario, node).choreography as { previous: string | null; next: string | null } | undefined;
      const owner = chor ? starterOf(scenario) : node;
      expect(c.ok, `${node} sagas ended ok`).toBe(metric(metrics, `${owner}.sagas.completed`));
      // Only the first service of a choreography sees a saga end compensated; the last sees it complete.
      expect(c.undone, `${node} sagas undone`).toBe(chor && chor.previous !== null ? 0 : metric(metrics, `${owner}.sagas.compensated`));
    },
  },
  {
    label: /^passed on$/,
    check: (b, { node, metrics }) => {
      const c = counts(b.text);
      expect(c.done, `${node} steps done and settled`).toBe(metric(metrics, `${node}.settled`));
      expect(c.undone ?? 0, `${node} steps compensated`).toBe(metric(metrics, `${node}.compensated`));
      expect(c.refused ?? 0, `${node} steps refused`).toBe(metric(metrics, `${node}.refused`));
    },
  },
  {
    // 2PC: the coordinator's transactions END (committed, acknowledged), COMMIT (committed, acks
    // outstanding) or ABORT; a participant's COMMIT, ABORT or NO (it voted no).
    label: /^txn$/,
    check: (b, { node, metrics, scenario }) => {
      const c = counts(b.text);
      if (nodeSpec(scenario, node).kind === '2pc-coordinator') {
        expect((c.END ?? 0) + (c.COMMIT ?? 0), `${node} committed`).toBe(metric(metrics, `${node}.committed`));
        expect(c.ABORT ?? 0, `${node} aborted`).toBe(metric(metrics, `${node}.aborted`));
      } else {
        expect(c.COMMIT ?? 0, `${node} committed`).toBe(metric(metrics, `${node}.committed`));
        expect(c.ABORT ?? 0, `${node} aborted`).toBe(metric(metrics, `${node}.aborted`));
        expect(c.NO ?? 0, `${node} voted no`).toBe(metric(metrics, `${node}.votedNo`));
      }
    },
  },
  {
    label: / (inUse|in flight|queue|count)$/,
    check: (b, { node, metrics }) => {
      const shown = b.label.split(' ').pop() === 'flight' ? 'inflight' : (b.label.split(' ').pop() as string);
      const layerLabel = b.label.slice(0, b.label.lastIndexOf(shown === 'inflight' ? ' in flight' : ` ${shown}`));
      // A leaky bucket's queue is published as the gauge `<layer>.queueLength`.
      const names = shown === 'queue' ? ['queue', 'queueLength'] : [shown];
      const gauge = Object.keys(metrics).find((k) => k.startsWith(node) && names.some((what) => k.endsWith(`.${what}`) && shortLayer(k.slice(0, -what.length - 1)) === layerLabel));
      expect(gauge, `a metric for ${node}'s "${b.label}"`).toBeDefined();
      expect(Number(b.text.split('/')[0]), `${node} ${b.label}`).toBe(metric(metrics, gauge!));
    },
  },
  {
    label: / ejected$/,
    check: (b, { node, metrics }) => {
      const layer = b.label.slice(0, -' ejected'.length);
      const hosts = b.text === 'none' ? 0 : /^\d+ hosts$/.test(b.text) ? Number(b.text.split(' ')[0]) : b.text.split(', ').length;
      expect(hosts, `${node} hosts ejected`).toBe(metric(metrics, `${node}.${layer}.ejectedHosts`));
    },
  },
  {
    // Retries sent by a retry layer, and retries its budget denied (the layer opens the tooltip).
    label: /^retries$/,
    check: (b, { node, metrics }) => {
      const layer = (b.title ?? '').split(':')[0];
      const [sent, denied] = b.text.split(' · ').map((t) => Number(t.split(' ')[0]));
      expect(sent, `${node} retries sent`).toBe(metric(metrics, `${layer}.retries`));
      expect(denied ?? 0, `${node} retries denied`).toBe(metric(metrics, `${layer}.budgetDenied`));
    },
  },
  {
    // The records a partitioned log holds (no retention in the built-ins: all it appended).
    label: /^records in \d+ partitions?$/,
    check: (b, { node, metrics }) => {
      expect(Number(b.text), `${node} ${b.label}`).toBe(metric(metrics, `${node}.appended`));
    },
  },
  {
    // A consumer group's lag at a partitioned log.
    label: / lag$/,
    check: (b, { node, metrics }) => {
      expect(Number(b.text), `${node} ${b.label}`).toBe(metric(metrics, `${node}.${b.label.slice(0, -' lag'.length)}.lag`));
    },
  },
  {
    // A consumer group's generation and members ("gen 4 · 2 members"), or "rebalancing".
    label: / group$/,
    check: (b, { node, metrics }) => {
      const group = b.label.slice(0, -' group'.length);
      const members = /· (\d+) members?$/.exec(b.text);
      if (members) expect(Number(members[1]), `${node} ${b.label}`).toBe(metric(metrics, `${node}.${group}.members`));
    },
  },
  {
    // A versioned store's successful writes and refused conditional writes; OCC writers done.
    label: /^(writes|conflicts|writers done)$/,
    check: (b, { node, metrics }) => {
      const name = { writes: 'writes', conflicts: 'conflicts', 'writers done': 'done' }[b.label]!;
      expect(Number(b.text.split('/')[0]), `${node} ${b.label}`).toBe(metric(metrics, `${node}.${name}`));
    },
  },
  {
    // An outbox's backlog (a gauge's value at the end) and a dual write's lost and phantom events.
    label: /^(outbox backlog|events lost|phantom events)$/,
    check: (b, { node, metrics }) => {
      const name = { 'outbox backlog': 'backlog', 'events lost': 'eventsLost', 'phantom events': 'phantomEvents' }[b.label]!;
      expect(Number(b.text), `${node} ${b.label}`).toBe(metric(metrics, `${node}.${name}`));
    },
  },
  {
    // An event store's log and conflicts; a projector's lag (a gauge's value at the end); the
    // users' stale reads of all their reads.
    label: /^(events|events behind|stale reads|snapshots)$/,
    check: (b, { node, metrics, scenario }) => {
      if (b.label === 'stale reads') {
        const [stale, all] = b.text.split(' of ').map(Number);
        expect(stale, `${node} ${b.label}`).toBe(metric(metrics, `${node}.staleReads`));
        expect(all, `${node} ${b.label}`).toBe(metric(metrics, `${node}.reads`));
        return;
      }
      const name = { events: 'appended', 'events behind': 'lagEvents', snapshots: 'snapshots' }[b.label]!;
      const spec = scenario.nodes.find((n) => n.id === node) as { initialAggregates?: number; initialEventsPerAggregate?: number };
      const history = b.label === 'events' ? (spec.initialAggregates ?? 0) * (spec.initialEventsPerAggregate ?? 0) : 0;
      expect(Number(b.text), `${node} ${b.label}`).toBe(metric(metrics, `${node}.${name}`) + history);
    },
  },
  {
    // A shard router: requests sent to each shard, the busiest over the mean, keys moved of those
    // to move; an API gateway: calls sent to each backend (also "→ <node>").
    label: /^(→ .+|load max\/mean|keys moved)$/,
    check: (b, { node, metrics }) => {
      if (b.label === 'load max/mean') return expect(b.text, `${node} load`).toBe(metric(metrics, `${node}.loadMaxMean`).toFixed(2));
      if (b.label === 'keys moved') {
        const [moved, toMove] = b.text.split('/').map(Number);
        expect(moved, `${node} keys moved`).toBe(metric(metrics, `${node}.keysMoved`));
        return expect(toMove, `${node} keys to move`).toBe(metric(metrics, `${node}.keysToMove`));
      }
      const to = b.label.slice('→ '.length);
      const name = metrics[`${node}.to.${to}`] !== undefined ? `${node}.to.${to}` : `${node}.shard.${to}.requests`;
      expect(Number(b.text), `${node} ${b.label}`).toBe(metric(metrics, name));
    },
  },
  { label: /^moving key$/, check: null, why: 'the key in handoff now, by its number' },
  {
    // A strangler facade's route: the modern share in force, as its gauge says.
    label: /^▸ .+$/,
    check: (b, { node, metrics }) => {
      const type = b.label.slice('▸ '.length);
      const share = b.text === 'rolled back' ? 0 : Number(/^(\d+)%$/.exec(b.text)![1]) / 100;
      const gauge = metrics[`${node}.share.${type}`] as { value: number };
      expect(share, `${node} ${b.label}`).toBe(Math.round(gauge.value * 100) / 100);
    },
  },
  {
    // A sidecar's mesh configuration version; a control plane's version in force.
    label: /^(mesh config|rollout)$/,
    check: (b, { node, metrics }) => {
      const version = Number(/^v(\d+)/.exec(b.text)![1]);
      expect(version, `${node} ${b.label}`).toBe(metric(metrics, b.label === 'rollout' ? `${node}.version` : `${node}.sidecar.configVersion`));
    },
  },
  {
    // A service registry's leases (registered · expired at the last count); a caller's discovery view.
    label: /^(leases|instances|view)$/,
    check: (b, { node, metrics }) => {
      if (b.label === 'leases' || b.label === 'instances') {
        const [, registered, n, word] = /^(\d+) · (\d+) (expired|passing)$/.exec(b.text)!;
        expect(Number(registered), `${node} registered`).toBe(metric(metrics, `${node}.registered`));
        return expect(Number(n), `${node} ${word}`).toBe(metric(metrics, `${node}.${word}`));
      }
      const views = Object.keys(metrics).filter((k) => k.startsWith(`${node}.`) && k.endsWith('.discovery.viewSize'));
      expect(views, `${node} has one discovery view`).toHaveLength(1);
      expect(Number(b.text.split(' ')[0]), `${node} ${b.label}`).toBe(metric(metrics, views[0]));
    },
  },
  { label: /^last (evicted|reaped|check)$/, check: null, why: 'an instance\'s name (evictions and checks are counted in <registry>.evictions, .checks)' },
  { label: /^saga /, check: null, why: 'the latest step of one saga, by its id' },
  { label: /^tx$/, check: null, why: "a data service's latest transaction, by its key" },
  { label: /^read$/, check: null, why: "a data service's latest read, by account" },
  { label: /^failure rate$/, check: null, why: "the breaker's sliding-window rate is published only as state (its threshold is a parameter)" },
  { label: / (tokens|permits)$/, check: null, why: 'a bucket level is published only as state (admitted/rejected are audited by the charts)' },
];

function sumOf(metrics: Metrics, suffix: string): number {
  return Object.keys(metrics)
    .filter((k) => k.endsWith(suffix))
    .reduce((sum, k) => sum + metric(metrics, k), 0);
}

/** Every node's badges at the end of the run, as the topology draws them. */
function badgesAtEnd(scenario: Scenario): NodeBadges[] {
  const { store, result, nodeNames } = recordRun(scenario);
  const state = store.fold.at(store.upperBound(result.simTimeUs));
  const ctx = renderContext(store, policyParams(scenario), result.simTimeUs, 0);
  return nodeNames.map((node, i) => ({ node, badges: renderState(nodeStateEntries(store, state, i), ctx), metrics: result.metrics, scenario }));
}

// M/M/1 and M/M/c (a million requests each) publish no pattern state: their nodes draw no badges.
const SKIPPED = new Set(['queueing/mm1.json', 'queueing/mmc.json']);
const BUILT_INS = readdirSync(new URL('../../scenarios', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`../../scenarios/${d.name}`, import.meta.url)).map((f) => `${d.name}/${f}`))
  .filter((f) => f.endsWith('.json') && !SKIPPED.has(f))
  .sort();

describe('badge numbers agree with the engine at the end of each built-in scenario', () => {
  it.each(BUILT_INS)('%s', (file) => {
    for (const n of badgesAtEnd(builtIn(file))) {
      for (const b of n.badges) {
        const audit = AUDITS.find((a) => a.label.test(b.label));
        if (!/\d/.test(b.text)) continue;
        expect(audit, `no audit for ${n.node}'s badge "${b.label}: ${b.text}"`).toBeDefined();
        audit?.check?.(b, n);
      }
    }
  });

  it('shows the retry budget on its client: retries sent and denied', () => {
    const client = badgesAtEnd(builtIn('resilience/retry-storm.json')).find((n) => n.node === 'client')!;
    const [sent, denied] = [metric(client.metrics, 'client.retry.retries'), metric(client.metrics, 'client.retry.budgetDenied')];
    expect(denied).toBeGreaterThan(0);
    expect(client.badges.find((b) => b.label === 'retries')).toMatchObject({
      text: `${sent} · ${denied} denied`,
      title: `client.retry: ${sent} retries sent, ${denied} denied by retries ≤ 10% of requests`,
    });
  });

  it('draws a queue\'s depth and in-flight count, and the dead letters on both queues', () => {
    const byNode = new Map(badgesAtEnd(builtIn('messaging/poison-message.json')).map((n) => [n.node, n.badges]));
    const labels = (node: string) => byNode.get(node)!.map((b) => b.label);
    expect(labels('orders')).toEqual(expect.arrayContaining(['queued', 'to dead-letter queue']));
    expect(byNode.get('orders-dlq')!.find((b) => b.label === 'dead letters')).toMatchObject({ tone: 'bad' });
  });

  it("draws a dual write's lost and phantom events, equal to the engine's counts", () => {
    for (const [variant, label, name] of [
      ['commit-then-publish', 'events lost', 'eventsLost'],
      ['publish-then-commit', 'phantom events', 'phantomEvents'],
    ] as const) {
      const raw = JSON.parse(readFileSync(new URL('../../scenarios/data/outbox-vs-dual-write.json', import.meta.url), 'utf8')) as Record<string, unknown>;
      const orders = badgesAtEnd(scenario(applyVariant(raw, variant) as Record<string, unknown>)).find((n) => n.node === 'orders')!;
      const badge = orders.badges.find((b) => b.label === label);
      expect(Number(badge?.text), variant).toBeGreaterThan(0);
      expect(Number(badge?.text), variant).toBe(metric(orders.metrics, `orders.${name}`));
    }
  });

  it("draws an event store's snapshots and a read model's rebuild", () => {
    const raw = (file: string) => JSON.parse(readFileSync(new URL(`../../scenarios/data/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const store = badgesAtEnd(scenario(applyVariant(raw('event-sourcing-replay.json'), 'snapshots') as Record<string, unknown>)).find((n) => n.node === 'accounts')!;
    expect(Number(store.badges.find((b) => b.label === 'snapshots')?.text)).toBe(metric(store.metrics, 'accounts.snapshots'));
    const view = badgesAtEnd(scenario(applyVariant(raw('cqrs-read-your-writes.json'), 'rebuild-read-model') as Record<string, unknown>)).find((n) => n.node === 'order-view')!;
    // Rebuilt by the end of the run: the badge is gone; the lag bar is there.
    expect(view.badges.find((b) => b.label === 'read model')).toBeUndefined();
    expect(view.badges.find((b) => b.label === 'events behind')?.level).not.toBeNull();
  });

  it("draws a shard router's per-shard requests, load and the keys a resize moved", () => {
    const router = badgesAtEnd(builtIn('data/sharding-resize.json')).find((n) => n.node === 'router')!;
    const labels = router.badges.map((b) => b.label);
    expect(labels).toEqual(expect.arrayContaining(['→ s1', '→ s5', 'load max/mean', 'keys moved']));
    const moved = metric(router.metrics, 'router.keysMoved');
    expect(moved).toBeGreaterThan(1000);
    expect(router.badges.find((b) => b.label === 'keys moved')).toMatchObject({ text: `${moved}/${moved}`, tone: 'good', level: 1 });
  });

  it('counts a completed saga as ok once it has settled', () => {
    const ended = badgesAtEnd(builtIn('transactions/saga-completes.json')).find((n) => n.node === 'orch')!.badges.find((b) => b.label === 'ended');
    expect(ended?.text).toBe('47 ok · 0 undone');
  });
});
