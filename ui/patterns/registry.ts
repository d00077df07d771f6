/**
 * How pattern state is drawn on the nodes. Patterns publish state as trace records with keys
 * `<layer>.<what>` (sim/patterns/context.ts: `ctx.state`), e.g. `api->payments.breaker.state`
 * = OPEN or `client.limiter.tokens` = 7. Each entry here claims keys by their ending and turns
 * them into small badges; a new pattern adds an entry (or is shown by the generic one) without
 * any change to the topology view. Badges are data: the view draws them, as text.
 */

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

export interface Badge {
  /** What the badge is about: a layer's short name ("breaker", "payments breaker"). */
  label: string;
  /** The value as text. */
  text: string;
  tone: Tone;
  /** 0..1 draws a level bar under the text; null draws a plain pill. */
  level: number | null;
  /** Changed recently (drawn with an outline, so a transition catches the eye). */
  recent: boolean;
  /** The tooltip, when it says more than "label: text". */
  title?: string;
}

export interface StateEntry {
  key: string;
  /** The key without the part the renderer matched (`api->payments.breaker`). */
  layer: string;
  /** The rest: `state`, `tokens`, `eject.api-3`… */
  what: string;
  value: string;
  changedAt: number;
}

export interface RenderContext {
  /** A number from the policy's parameters (first of `fields` it has), if the scenario names the layer. */
  param(layer: string, fields: readonly string[]): number | null;
  /** The largest value the key has had in the recording so far (a scale when no parameter gives one). */
  observedMax(key: string): number;
  /** True if `changedAt` is recent at the playback speed. */
  isRecent(changedAt: number): boolean;
}

export interface StateRenderer {
  name: string;
  /** Claims a key: returns [layer, what] or null. */
  match(key: string): [string, string] | null;
  /** Entries of one layer claimed by this renderer → badges. */
  render(entries: StateEntry[], ctx: RenderContext): Badge[];
}

/** A renderer for keys ending in `.<what>` for one of `whats`. */
function suffix(whats: readonly string[]): (key: string) => [string, string] | null {
  return (key) => {
    for (const w of whats) {
      if (key.endsWith(`.${w}`)) return [key.slice(0, -w.length - 1), w];
    }
    return null;
  };
}

/** A renderer for keys `<layer>.<group>.<item>` (one item per host, say). */
function grouped(group: string): (key: string) => [string, string] | null {
  const marker = `.${group}.`;
  return (key) => {
    const at = key.lastIndexOf(marker);
    return at < 0 ? null : [key.slice(0, at), key.slice(at + 1)];
  };
}

/** "payments breaker" for `api->payments.breaker`, "limiter" for `client.limiter`. */
export function shortLayer(layer: string): string {
  const dot = layer.lastIndexOf('.');
  const path = dot < 0 ? '' : layer.slice(0, dot);
  const name = dot < 0 ? layer : layer.slice(dot + 1);
  const arrow = path.lastIndexOf('->');
  return arrow < 0 ? name : `${path.slice(arrow + 2)} ${name}`;
}

const BREAKER_TONES: Record<string, Tone> = { CLOSED: 'good', OPEN: 'bad', FORCED_OPEN: 'bad', HALF_OPEN: 'warn' };

/** A level against a capacity: how full. */
function levelBadge(e: StateEntry, ctx: RenderContext, capacity: number | null, fullIsGood: boolean): Badge {
  const v = Number(e.value);
  const cap = capacity ?? Math.max(1, ctx.observedMax(e.key));
  const level = Number.isFinite(v) ? Math.max(0, Math.min(1, v / cap)) : 0;
  const tone: Tone = fullIsGood ? (level <= 0 ? 'bad' : level < 0.25 ? 'warn' : 'good') : level >= 1 ? 'bad' : level >= 0.8 ? 'warn' : 'good';
  return {
    label: `${shortLayer(e.layer)} ${e.what}`,
    text: capacity === null ? e.value : `${e.value}/${formatCap(cap)}`,
    tone,
    level,
    recent: ctx.isRecent(e.changedAt),
  };
}

const TOPIC_BADGES: Record<string, { label: string; tone: (n: number) => Tone }> = {
  pending: { label: 'pending deliveries', tone: (n) => (n === 0 ? 'good' : 'neutral') },
  deadLettered: { label: 'to dead-letter queue', tone: (n) => (n === 0 ? 'good' : 'warn') },
  dropped: { label: 'dropped', tone: (n) => (n === 0 ? 'good' : 'bad') },
};

function topicBadge(e: StateEntry, ctx: RenderContext): Badge | null {
  const kind = TOPIC_BADGES[e.what];
  if (kind === undefined) return null;
  const n = Number(e.value);
  return { label: kind.label, text: e.value, tone: kind.tone(n), level: null, recent: ctx.isRecent(e.changedAt) };
}

function logBadge(e: StateEntry, ctx: RenderContext): Badge {
  const recentChange = ctx.isRecent(e.changedAt);
  if (e.what === 'offsets') {
    const ends = e.value.split(',').map(Number);
    const total = ends.reduce((a, b) => a + b, 0);
    return { label: `records in ${ends.length} partition${ends.length === 1 ? '' : 's'}`, text: String(total), tone: 'neutral', level: null, recent: recentChange, title: `end offsets: ${ends.map((o, p) => `p${p} ${o}`).join(' · ')}` };
  }
  const dot = e.what.lastIndexOf('.');
  const group = e.what.slice(0, dot);
  const recent = ctx.isRecent(e.changedAt);
  if (e.what.endsWith('.lag')) {
    const n = Number(e.value);
    return { label: `${group} lag`, text: e.value, tone: n === 0 ? 'good' : 'neutral', level: Math.min(1, n / Math.max(1, ctx.observedMax(e.key))), recent };
  }
  return { label: `${group} group`, text: e.value, tone: e.value === 'rebalancing' ? 'warn' : 'neutral', level: null, recent };
}

/** A gateway's calls per backend ("orders 612 · users 301"), busiest first, at most six badges (all, in the tooltip). */
const MAX_GATEWAY_BADGES = 6;
function gatewayBadges(e: StateEntry, ctx: RenderContext): Badge[] {
  const recent = ctx.isRecent(e.changedAt);
  const counts = e.value.split(' · ').map((part) => {
    const at = part.lastIndexOf(' ');
    return { node: part.slice(0, at), calls: Number(part.slice(at + 1)) };
  });
  const total = counts.reduce((sum, c) => sum + c.calls, 0);
  const shown = [...counts].sort((a, b) => b.calls - a.calls).slice(0, MAX_GATEWAY_BADGES);
  const title = counts.map((c) => `${c.node}: ${c.calls} calls`).join('\n');
  return shown.map((c) => ({ label: `→ ${c.node}`, text: String(c.calls), tone: 'neutral', level: total > 0 ? c.calls / total : null, recent, title }));
}

/** Event sourcing and CQRS: see the renderer's comment in STATE_RENDERERS. */
function eventSourcingBadge(e: StateEntry, ctx: RenderContext): Badge | null {
  const recent = ctx.isRecent(e.changedAt);
  switch (e.key) {
    case 'es.events':
      return { label: 'events', text: e.value, tone: 'neutral', level: null, recent, title: 'events in the log (every stream)' };
    case 'es.snapshots':
      return { label: 'snapshots', text: e.value, tone: 'neutral', level: null, recent, title: 'snapshots written: a replay starts from the latest of its aggregate' };
    case 'es.conflicts':
      return { label: 'conflicts', text: e.value, tone: e.value === '0' ? 'neutral' : 'warn', level: null, recent, title: 'appends refused: the aggregate had moved past the version the command loaded' };
    case 'projection.lag': {
      const n = Number(e.value);
      return { label: 'events behind', text: e.value, tone: n === 0 ? 'good' : 'neutral', level: Math.min(1, n / Math.max(1, ctx.observedMax(e.key))), recent, title: 'events received and not yet applied to the read model' };
    }
    case 'projection.rebuilding':
      return e.value === 'yes' ? { label: 'read model', text: 'rebuilding', tone: 'warn', level: null, recent } : null;
    case 'cqrs.reads': {
      const [stale, all] = e.value.split('/');
      return { label: 'stale reads', text: `${stale} of ${all}`, tone: stale === '0' ? 'good' : 'warn', level: null, recent, title: 'reads that missed the session\'s own write' };
    }
  }
  return null;
}

const QUEUE_COUNTS: Record<string, { label: string; tone: (n: number) => Tone }> = {
  deadLettered: { label: 'to dead-letter queue', tone: (n) => (n === 0 ? 'good' : 'warn') },
  deadLetters: { label: 'dead letters', tone: (n) => (n === 0 ? 'good' : 'bad') },
};

/**
 * A queue's badges: one row for what it holds — waiting, with a bar against the most it has
 * held, and those in flight ("120 · 3 in flight") — then its dead-letter counts.
 */
function queueBadges(entries: StateEntry[], ctx: RenderContext): Badge[] {
  const depth = entries.find((e) => e.what === 'depth');
  const inFlight = entries.find((e) => e.what === 'inFlight');
  const out: Badge[] = [];
  if (depth !== undefined || inFlight !== undefined) {
    const waiting = Number(depth?.value ?? 0);
    const flying = Number(inFlight?.value ?? 0);
    const changed = Math.max(depth?.changedAt ?? -Infinity, inFlight?.changedAt ?? -Infinity);
    out.push({
      label: 'queued',
      text: flying > 0 ? `${waiting} · ${flying} in flight` : String(waiting),
      tone: waiting === 0 ? 'good' : 'neutral',
      level: depth === undefined ? null : Math.min(1, waiting / Math.max(1, ctx.observedMax(depth.key))),
      recent: ctx.isRecent(changed),
      title: `${waiting} waiting, ${flying} received and not yet deleted (in flight)`,
    });
  }
  for (const e of entries) {
    const kind = QUEUE_COUNTS[e.what];
    if (kind !== undefined) out.push({ label: kind.label, text: e.value, tone: kind.tone(Number(e.value)), level: null, recent: ctx.isRecent(e.changedAt) });
  }
  return out;
}

function formatCap(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export const STATE_RENDERERS: StateRenderer[] = [
  {
    name: 'circuit breaker state',
    match: suffix(['state']),
    render: (entries, ctx) =>
      entries.map((e) => ({
        label: shortLayer(e.layer),
        text: e.value.replace('_', '-'),
        tone: BREAKER_TONES[e.value] ?? 'neutral',
        level: null,
        recent: ctx.isRecent(e.changedAt),
      })),
  },
  {
    // The breaker publishes its failure rate (percent of the calls in its window, -1 below the
    // minimum number of calls) and, once, the threshold it opens at.
    name: 'circuit breaker failure rate',
    match: suffix(['failureRate', 'failureRateThreshold']),
    render: (entries, ctx) => {
      const rate = entries.find((e) => e.what === 'failureRate');
      if (!rate) return [];
      const value = Number(rate.value);
      const threshold = Number(entries.find((e) => e.what === 'failureRateThreshold')?.value ?? NaN);
      const known = Number.isFinite(value) && value >= 0;
      const level = known && threshold > 0 ? Math.min(1, value / threshold) : known ? value / 100 : 0;
      return [
        {
          // Short, to fit under the breaker's own badge: "failure rate 35%/50%" (rate/threshold).
          label: 'failure rate',
          text: known ? `${value}%${threshold > 0 ? `/${threshold}%` : ''}` : 'too few calls',
          tone: !known ? 'neutral' : level >= 1 ? 'bad' : level >= 0.5 ? 'warn' : 'good',
          level: known ? level : null,
          recent: ctx.isRecent(rate.changedAt),
        },
      ];
    },
  },
  {
    name: 'tokens and permits left (token bucket, fixed window)',
    match: suffix(['tokens', 'permits']),
    render: (entries, ctx) => entries.map((e) => levelBadge(e, ctx, ctx.param(e.layer, ['maxTokens', 'limitForPeriod']), true)),
  },
  {
    name: 'admissions counted against a limit (sliding window, leaky bucket queue)',
    match: suffix(['count', 'queue']),
    render: (entries, ctx) => entries.map((e) => levelBadge(e, ctx, ctx.param(e.layer, e.what === 'queue' ? ['capacity'] : ['limit']), false)),
  },
  {
    name: 'bulkhead occupancy',
    match: suffix(['inUse']),
    render: (entries, ctx) => entries.map((e) => levelBadge(e, ctx, ctx.param(e.layer, ['maxConcurrentCalls', 'maxThreadPoolSize']), false)),
  },
  {
    // The adaptive concurrency limit and the requests in flight under it: "in flight 7/20".
    name: 'concurrency limit and requests in flight',
    match: suffix(['limit', 'inflight']),
    render: (entries, ctx) => {
      const limit = entries.find((e) => e.what === 'limit');
      const inflight = entries.find((e) => e.what === 'inflight');
      if (!inflight) return limit ? [{ label: `${shortLayer(limit.layer)} limit`, text: limit.value, tone: 'neutral', level: null, recent: ctx.isRecent(limit.changedAt) }] : [];
      const badge = levelBadge(inflight, ctx, limit ? Number(limit.value) : null, false);
      return [{ ...badge, label: `${shortLayer(inflight.layer)} in flight`, recent: ctx.isRecent(Math.max(inflight.changedAt, limit?.changedAt ?? -Infinity)) }];
    },
  },
  {
    // Counted from the trace's call records (ui/trace/fold.ts): retries sent, and those a retry
    // budget refused; the budget's own setting in the tooltip.
    name: 'retries and the retry budget',
    match: suffix(['retried', 'budgetDenied']),
    render: (entries, ctx) => {
      const sent = Number(entries.find((e) => e.what === 'retried')?.value ?? 0);
      const denied = Number(entries.find((e) => e.what === 'budgetDenied')?.value ?? 0);
      const layer = entries[0].layer;
      const ratio = ctx.param(layer, ['budget.ratio']);
      const budget = ratio !== null ? `retries ≤ ${Math.round(ratio * 100)}% of requests` : ctx.param(layer, ['budget.maxTokens', 'budget.percent', 'budget.minRetries']) !== null ? 'a retry budget' : null;
      return [
        {
          label: 'retries',
          text: budget === null && denied === 0 ? `${sent}` : `${sent} · ${denied} denied`,
          tone: denied > 0 ? 'warn' : 'neutral',
          level: null,
          recent: ctx.isRecent(Math.max(...entries.map((e) => e.changedAt))),
          title: `${layer}: ${sent} retries sent${budget === null ? '' : `, ${denied} denied by ${budget}`}`,
        },
      ];
    },
  },
  {
    name: 'adaptive throttling reject probability',
    match: suffix(['rejectProbability']),
    render: (entries, ctx) =>
      entries.map((e) => {
        const p = Math.max(0, Math.min(1, Number(e.value) || 0));
        return { label: `${shortLayer(e.layer)} rejects`, text: `${Math.round(p * 100)}%`, tone: p === 0 ? 'good' : p < 0.5 ? 'warn' : 'bad', level: p, recent: ctx.isRecent(e.changedAt) };
      }),
  },
  {
    name: 'hosts ejected by outlier detection',
    match: grouped('eject'),
    render: (entries, ctx) => hostList(entries, ctx, 'ejected', 'ejected'),
  },
  {
    name: 'hosts failing active health checks',
    match: grouped('health'),
    render: (entries, ctx) => hostList(entries, ctx, 'unhealthy', 'unhealthy'),
  },
  {
    // A message queue (sim/patterns/message-queue.ts): messages waiting and in flight; on a
    // queue that dead-letters, how many it moved out; on a dead-letter queue, how many arrived.
    name: 'message queue depth, in flight and dead letters',
    match: (key) => (key.startsWith('mq.') ? ['mq', key.slice('mq.'.length)] : null),
    render: (entries, ctx) => queueBadges(entries, ctx),
  },
  {
    // A pub/sub topic (sim/patterns/topic.ts): copies not yet accepted by their subscribers,
    // and those it gave up on (to a dead-letter queue, or dropped).
    name: 'topic deliveries pending, dead-lettered and dropped',
    match: (key) => (key.startsWith('topic.') ? ['topic', key.slice('topic.'.length)] : null),
    render: (entries, ctx) => entries.flatMap((e) => topicBadge(e, ctx) ?? []),
  },
  {
    // A partitioned log (sim/patterns/partitioned-log.ts): the records it holds (each
    // partition's end offset in the tooltip) and, per consumer group, its lag and whether it
    // is rebalancing (`log.offsets`, `log.<group>.lag`, `log.<group>.group`).
    name: 'consumer group lag and rebalancing',
    match: (key) => (key.startsWith('log.') ? ['log', key.slice('log.'.length)] : null),
    render: (entries, ctx) => entries.map((e) => logBadge(e, ctx)),
  },
  {
    // A versioned store (sim/patterns/versioned-store.ts): writes that succeeded and
    // conditional writes refused on a stale version; OCC clients: how many are done.
    name: 'versioned store writes and conflicts, optimistic writers done',
    match: (key) => (key === 'store.writes' || key === 'store.conflicts' || key === 'occ.done' ? [key.split('.')[0], key.split('.')[1]] : null),
    render: (entries, ctx) =>
      entries.map((e) => {
        const recent = ctx.isRecent(e.changedAt);
        if (e.what === 'done') {
          const [done, all] = e.value.split('/').map(Number);
          return { label: 'writers done', text: e.value, tone: done === all ? 'good' : 'neutral', level: all > 0 ? done / all : null, recent };
        }
        return { label: e.what === 'writes' ? 'writes' : 'conflicts', text: e.value, tone: e.what === 'conflicts' && e.value !== '0' ? 'warn' : 'neutral', level: null, recent };
      }),
  },
  {
    // A service with a transactional outbox or a dual write (sim/patterns/outbox.ts): committed
    // events its relay has not yet published, and the events a dual write lost or invented.
    name: 'outbox backlog, lost and phantom events',
    match: (key) => (key.startsWith('outbox.') ? ['outbox', key.slice('outbox.'.length)] : null),
    render: (entries, ctx) =>
      entries.map((e) => {
        const recent = ctx.isRecent(e.changedAt);
        if (e.what === 'backlog') return { label: 'outbox backlog', text: e.value, tone: e.value === '0' ? 'neutral' : 'warn', level: null, recent, title: 'committed events the relay has not yet published' };
        const lost = e.what === 'lost';
        return { label: lost ? 'events lost' : 'phantom events', text: e.value, tone: 'bad', level: null, recent, title: lost ? 'committed changes whose event died with the process (a dual write)' : 'events published for changes that never committed (a dual write)' };
      }),
  },
  {
    // Event sourcing and CQRS (sim/patterns/event-store.ts, projector.ts, cqrs-client.ts):
    // the store's log length and conflicts; a projector's lag (a bar against the largest lag
    // so far) and whether it is rebuilding; the users' stale reads of their own writes.
    name: 'event store, projection lag, stale reads',
    match: (key) => (key.startsWith('es.') || key.startsWith('projection.') || key === 'cqrs.reads' ? [key.split('.')[0], key.slice(key.indexOf('.') + 1)] : null),
    render: (entries, ctx) => entries.flatMap((e) => eventSourcingBadge(e, ctx) ?? []),
  },
  {
    // An API gateway (sim/patterns/api-gateway.ts): the calls it sent to each backend — a
    // canary's share, a composition's fan-out — the busiest six, all of them in the tooltip.
    name: 'API gateway calls per backend',
    match: (key) => (key === 'gateway.routes' ? ['gateway', 'routes'] : null),
    render: (entries, ctx) => entries.flatMap((e) => gatewayBadges(e, ctx)),
  },
  {
    // A strangler-fig facade (sim/patterns/strangler-fig.ts): each route's share of modern
    // traffic in force (a bar), and whether it was rolled back.
    name: 'strangler-fig routes',
    match: (key) => (key === 'strangler.routes' ? ['strangler', 'routes'] : null),
    render: (entries, ctx) => entries.flatMap((e) => stranglerBadges(e.value, ctx.isRecent(e.changedAt))),
  },
  {
    // A service's sidecar proxy (sim/patterns/sidecar.ts), drawn attached to it: the policies
    // it applies to requests coming in and to the service's calls going out, and the mesh
    // configuration version in force; a mesh control plane: the version it is rolling out.
    name: 'sidecar proxy and mesh configuration',
    match: (key) => (key === 'sidecar.proxy' || key === 'sidecar.config' || key === 'mesh.rollout' ? [key.split('.')[0], key.split('.')[1]] : null),
    render: (entries, ctx) =>
      entries.map((e) => {
        const recent = ctx.isRecent(e.changedAt);
        if (e.what === 'config') return { label: 'mesh config', text: e.value, tone: 'neutral', level: null, recent, title: 'the configuration version this sidecar has from the control plane' };
        if (e.what === 'rollout') return { label: 'rollout', text: e.value, tone: e.value.includes('pushed') ? 'warn' : 'good', level: null, recent, title: 'the version in force and, during a push, how many sidecars have it' };
        return { label: 'proxy', text: e.value, tone: 'neutral', level: null, recent, title: e.value === 'basic' ? 'a sidecar proxy in the same pod, with no policies of its own' : `a sidecar proxy in the same pod — ${e.value}` };
      }),
  },

  {
    // Service discovery (sim/patterns/service-registry.ts, registry-client.ts): on the registry,
    // its leases (registered, and expired at the last count), self-preservation and the last
    // eviction; on a caller, the instances in its cached view; on an instance, a scale-in/out.
    name: 'service registry, discovery views and instance lifecycle',
    match: (key) =>
      key.startsWith('registry.') ? ['registry', key.slice('registry.'.length)]
      : key.endsWith('.discovery.view') ? [key.slice(0, -'.discovery.view'.length), 'view']
      : key === 'lifecycle' ? ['instance', 'lifecycle']
      : null,
    render: (entries, ctx) => entries.flatMap((e) => discoveryBadge(e, ctx) ?? []),
  },
  {
    name: 'saga steps (orchestrated and choreographed)',
    match: (key) => (key.startsWith('saga.') ? ['saga', key.slice('saga.'.length)] : null),
    render: (entries, ctx) => sagaBadges(entries, ctx),
  },
  {
    // A shard router (sim/patterns/shard-router.ts): requests sent to each shard (a bar
    // relative to the busiest), the busiest over the mean, and a resize's progress.
    name: 'shard router load and resize',
    match: (key) => (key.startsWith('shard.') ? ['shard', key.slice('shard.'.length)] : null),
    render: (entries, ctx) => shardBadges(entries, ctx),
  },
  {
    name: 'any other state',
    match: (key) => {
      const dot = key.lastIndexOf('.');
      return dot < 0 ? ['', key] : [key.slice(0, dot), key.slice(dot + 1)];
    },
    render: (entries, ctx) => {
      // A family of keys (one per transaction, say) is summed up by value.
      if (entries.length > 2 && entries[0].layer !== '') return [valueCounts(entries, ctx)];
      return entries.map((e) => ({
        label: e.layer === '' ? e.what : `${shortLayer(e.layer)} ${e.what}`,
        text: e.value.length > 28 ? `${e.value.slice(0, 27)}…` : e.value,
        tone: 'neutral',
        level: null,
        recent: ctx.isRecent(e.changedAt),
      }));
    },
  },
];

/**
 * What a saga's published value (sim/patterns/saga-*.ts `record`) says about it on this node:
 * - `running`: a step or compensation in progress here (`T2:started`, `T2:retry`, `C1:compensating`);
 * - `ok` / `undone`: the saga ended here — `completed`, then `settled` once every step's pending
 *   mark is released (the orchestrator, or the first choreographed service), or `compensated`;
 * - `done` / `undone-here` / `refused`: a choreographed service finished its own part and
 *   passed the saga on (`T2:succeeded`, `C2:compensated`, `T3:failed` or `T3:timed-out`). An
 *   orchestrator never rests on these: it records the next step at the same instant.
 */
type SagaPhase = 'running' | 'ok' | 'undone' | 'done' | 'undone-here' | 'refused';

export function sagaPhase(value: string): SagaPhase {
  if (value === 'completed' || value === 'settled') return 'ok';
  if (value === 'compensated') return 'undone';
  if (value.endsWith(':succeeded')) return 'done';
  if (value.endsWith(':compensated')) return 'undone-here';
  if (value.endsWith(':failed') || value.endsWith(':timed-out')) return 'refused';
  return 'running';
}

/**
 * Sagas on their orchestrator (or on each choreographed service): how many are in flight here
 * and at which step (`T2` forward, `C1` compensating), how many ended which way, how many this
 * service passed on (choreography), and the latest step taken — the "saga step" the sandbox
 * draws on the node.
 */
function sagaBadges(entries: StateEntry[], ctx: RenderContext): Badge[] {
  const atStep = new Map<string, number>();
  const count: Record<SagaPhase, number> = { running: 0, ok: 0, undone: 0, done: 0, 'undone-here': 0, refused: 0 };
  let compensating = false;
  for (const e of entries) {
    const phase = sagaPhase(e.value);
    count[phase]++;
    if (phase !== 'running') continue;
    const step = e.value.split(':')[0];
    if (step.startsWith('C')) compensating = true;
    atStep.set(step, (atStep.get(step) ?? 0) + 1);
  }
  const steps = [...atStep.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([step, n]) => (n > 1 ? `${step}×${n}` : step));
  const latest = entries.reduce((a, b) => (b.changedAt > a.changedAt || (b.changedAt === a.changedAt && b.what > a.what) ? b : a));
  const recent = ctx.isRecent(latest.changedAt);
  const shown = steps.length > 4 ? [...steps.slice(0, 4), '…'] : steps;
  const passedOn = count.done + count['undone-here'] + count.refused;
  const badges: Badge[] = [
    { label: 'sagas running', text: `${count.running}${shown.length > 0 ? ` (${shown.join(' ')})` : ''}`, tone: compensating ? 'warn' : 'neutral', level: null, recent },
  ];
  // A choreographed service in the middle of the chain never sees a saga end: it shows what it passed on instead.
  if (count.ok + count.undone > 0 || passedOn === 0) {
    badges.push({ label: 'ended', text: `${count.ok} ok · ${count.undone} undone`, tone: count.undone > 0 ? 'warn' : 'neutral', level: null, recent });
  }
  if (passedOn > 0) {
    const parts = [`${count.done} done`, count['undone-here'] > 0 ? `${count['undone-here']} undone` : '', count.refused > 0 ? `${count.refused} refused` : ''];
    badges.push({ label: 'passed on', text: parts.filter((p) => p !== '').join(' · '), tone: count['undone-here'] + count.refused > 0 ? 'warn' : 'neutral', level: null, recent });
  }
  badges.push({
    label: `saga ${latest.what}`,
    text: latest.value,
    tone: latest.value.startsWith('C') || latest.value === 'compensated' ? 'warn' : latest.value.includes('failed') || latest.value.includes('timed-out') ? 'bad' : 'neutral',
    level: null,
    recent,
  });
  return badges;
}

/** One badge of service discovery, or null for records that are not drawn (each registration). */
function discoveryBadge(e: StateEntry, ctx: RenderContext): Badge | null {
  const recent = ctx.isRecent(e.changedAt);
  switch (e.what) {
    case 'instances': {
      // "registered 7 · expired 1" is too long for a badge: "7 · 1 expired" (Consul-style: "7 · 6 passing").
      const [, registered, word, n] = /^registered (\d+) · (expired|passing) (\d+)$/.exec(e.value) ?? [];
      const text = registered === undefined ? e.value : `${registered} · ${n} ${word}`;
      const worrying = word === 'expired' ? n !== '0' : n !== registered;
      const why = word === 'passing' ? 'instances registered, and how many pass their health checks (only those are served)' : 'instances registered, and how many of those leases had expired at the last count (an expired lease stays until an eviction sweep removes it)';
      return { label: word === 'passing' ? 'instances' : 'leases', text, tone: worrying ? 'warn' : 'neutral', level: null, recent, title: `${e.value}: ${why}` };
    }
    case 'mode':
      return { label: 'mode', text: e.value, tone: e.value === 'normal' ? 'good' : 'bad', level: null, recent, title: 'self-preservation: too few renewals in the last minute, so nothing is evicted (the registry assumes the network failed, not the instances)' };
    case 'evicted':
    case 'reaped':
      return { label: `last ${e.what}`, text: e.value, tone: 'warn', level: null, recent };
    case 'health': {
      const [name, status] = e.value.split(' ');
      return { label: 'last check', text: `${name} ${status}`, tone: status === 'passing' ? 'good' : 'bad', level: null, recent, title: 'the latest change of an instance\'s health check' };
    }
    case 'view': {
      const names = e.value.split(' ').filter((n) => n !== '');
      return { label: 'view', text: `${names.length} instances`, tone: names.length === 0 ? 'bad' : 'neutral', level: null, recent, title: `the instances this caller's cached view holds: ${names.join(', ') || 'none'}` };
    }
    case 'lifecycle':
      return e.value === 'scaled-out' ? null : { label: 'instance', text: e.value, tone: 'warn', level: null, recent, title: e.value === 'draining' ? 'deregistered, still serving until its drain ends' : 'stopped gracefully (deregistered first)' };
    default:
      return null;
  }
}

/** "12 COMMIT · 2 WAIT": the most common values of a family of keys. */
function valueCounts(entries: StateEntry[], ctx: RenderContext): Badge {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.value, (counts.get(e.value) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3);
  return {
    label: shortLayer(entries[0].layer),
    text: top.map(([v, n]) => `${n} ${v}`).join(' · '),
    tone: 'neutral',
    level: null,
    recent: ctx.isRecent(Math.max(...entries.map((e) => e.changedAt))),
  };
}

/** One badge per layer listing the hosts whose value is `bad`. */
function hostList(entries: StateEntry[], ctx: RenderContext, bad: string, word: string): Badge[] {
  const hosts = entries.filter((e) => e.value === bad).map((e) => e.what.slice(e.what.indexOf('.') + 1));
  const latest = Math.max(...entries.map((e) => e.changedAt));
  return [
    {
      label: `${shortLayer(entries[0].layer)} ${word}`,
      text: hosts.length === 0 ? 'none' : hosts.length <= 3 ? hosts.join(', ') : `${hosts.length} hosts`,
      tone: hosts.length === 0 ? 'good' : 'bad',
      level: null,
      recent: ctx.isRecent(latest),
    },
  ];
}

/**
 * Badges for one node's state entries (key → value, changedAt), in renderer order then key
 * order, so the picture is the same whatever order the records came in.
 */
export function renderState(state: Iterable<{ key: string; value: string; changedAt: number }>, ctx: RenderContext, renderers: StateRenderer[] = STATE_RENDERERS): Badge[] {
  const claimed = new Map<StateRenderer, Map<string, StateEntry[]>>();
  const sorted = [...state].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const s of sorted) {
    for (const r of renderers) {
      const m = r.match(s.key);
      if (m === null) continue;
      const byLayer = claimed.get(r) ?? new Map<string, StateEntry[]>();
      claimed.set(r, byLayer);
      const list = byLayer.get(m[0]) ?? [];
      list.push({ key: s.key, layer: m[0], what: m[1], value: s.value, changedAt: s.changedAt });
      byLayer.set(m[0], list);
      break;
    }
  }
  const out: Badge[] = [];
  for (const r of renderers) {
    const byLayer = claimed.get(r);
    if (!byLayer) continue;
    for (const entries of byLayer.values()) out.push(...r.render(entries, ctx));
  }
  return out;
}

/** A shard router's badges: per-shard requests, load max/mean, keys moved and the key moving now. */
function shardBadges(entries: StateEntry[], ctx: RenderContext): Badge[] {
  // The router's summary first (a node shows its first few badges): load, a resize's progress.
  const out: Badge[] = [];
  for (const e of entries) {
    const recent = ctx.isRecent(e.changedAt);
    if (e.what === 'load') out.push({ label: 'load max/mean', text: e.value, tone: Number(e.value) >= 1.5 ? 'warn' : 'neutral', level: null, recent, title: "the busiest shard's requests over the mean: 1 is even" });
    else if (e.what === 'moved') {
      const [done, all] = e.value.split('/').map(Number);
      out.push({ label: 'keys moved', text: e.value, tone: done === all ? 'good' : 'warn', level: all > 0 ? done / all : null, recent });
    } else if (e.what === 'moving' && e.value !== '') out.push({ label: 'moving key', text: e.value, tone: 'warn', level: null, recent, title: 'in handoff: its requests still go to the old shard' });
  }
  const perShard = entries.filter((e) => e.what.startsWith('requests.'));
  const busiest = Math.max(1, ...perShard.map((e) => Number(e.value)));
  for (const e of perShard) {
    out.push({
      label: `→ ${e.what.slice('requests.'.length)}`,
      text: e.value,
      tone: 'neutral',
      level: Number(e.value) / busiest,
      recent: ctx.isRecent(e.changedAt),
      title: `requests sent to shard ${e.what.slice('requests.'.length)}`,
    });
  }
  return out;
}

/** `GET /orders 50% · POST /orders 0% rolled back` → a badge per route: its modern share, as a bar. */
function stranglerBadges(value: string, recent: boolean): Badge[] {
  return value.split(' · ').flatMap((part) => {
    const m = /^(.*) (\d+)%( rolled back)?$/.exec(part);
    if (m === null) return [];
    const share = Number(m[2]) / 100;
    const rolledBack = m[3] !== undefined;
    return [{
      // A short label and value, so both fit the 160-wide badge row: the route, its modern share.
      label: `▸ ${m[1]}`,
      text: rolledBack ? 'rolled back' : `${m[2]}%`,
      tone: rolledBack ? 'bad' : share >= 1 ? 'good' : share > 0 ? 'warn' : 'neutral',
      level: share,
      recent,
      title: rolledBack ? `${m[1]}: rolled back to the legacy system (the modern one's error rate passed the bound): 0 % modern` : `${m[1]}: ${m[2]} % of these requests go to the modern system`,
    } satisfies Badge];
  });
}
