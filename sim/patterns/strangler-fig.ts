import { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import type { Call, CallResult, Invoker } from '../nodes/call.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, requestKey, requestType, RESPONSE, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import { PendingCalls, Transport } from '../nodes/transport.ts';
import type { World } from '../nodes/world.ts';
import { StranglerAnswers } from '../check/strangler-checks.ts';
import type { NodeKind } from './node-kinds.ts';
import { buildCallPath, pathInvariants, type PolicySpec } from './registry.ts';
import type { StranglerFacadeSpec } from './strangler-fig.schema.ts';

/**
 * A strangler-fig facade: the one door in front of a legacy system and the modern system that
 * replaces it route by route. The migration schedule says, from each step's time, which share
 * of each request type the modern system serves (a weighted pick per request with the node's
 * seeded stream; share 0 = all legacy, 1 = all modern). Shadow traffic mirrors requests the
 * legacy system serves to the modern one: the facade compares the two outcomes (ok / not ok),
 * counts divergent answers, and never returns the shadow's — the client does not wait for it.
 * Automatic rollback: when the modern system's error rate on a request type, over a sliding
 * window of its answers (shadow answers included: a dark launch's errors count), is above the
 * bound with at least `minRequests` answers, that route goes back to legacy for good.
 *
 * Store sync (a simple, explicit model): requests of the `writes` types write their key; a
 * write served by one system reaches the other's store after an exponential lag. A read of a
 * key served by the other system before its last write got there answers stale data: counted
 * in `staleReads` (and `divergent`). The facade only keeps the book — the systems are ordinary
 * nodes.
 *
 * Answers: the serving system's, passed on (ok; a rejection as a rejection; else an error).
 *
 * Metrics `<id>.*`: requests, toLegacy, toModern, shadowed, divergent, staleReads, rolledBack;
 * `<id>.share.<type>` (gauge: the modern share in force), `<id>.modernErrors.<type>`.
 * State record `strangler.routes` (`GET /orders 50% · POST /orders 0% rolled back`).
 * Checks (sim/check/strangler-checks.ts): every request answered exactly once (a facade crash
 * forgives what it held), and no shadow answer ever reaches a client.
 */

export const STRANGLER_LAYER = 'strangler';
const TIMER_WORKED = 0;
const TIMER_STEP = 1;
const TIMER_NAMES = ['worked', 'schedule-step'];
const UNTYPED = '(untyped)';

interface StepRoutes {
  readonly atUs: Micros;
  /** Type name → share; `*` for the types the step does not name. */
  readonly shares: ReadonlyMap<string, number>;
}

export interface StranglerParams {
  legacy: { index: number; name: string; callPath: readonly PolicySpec[] };
  modern: { index: number; name: string; callPath: readonly PolicySpec[] };
  overheadUs: Micros;
  steps: readonly StepRoutes[];
  /** The type names every route can have (for the gauges and the state record). */
  types: readonly string[];
  shadow: { types: ReadonlySet<string>; all: boolean; share: number } | null;
  rollback: { rate: number; windowUs: Micros; minRequests: number } | null;
  sync: { writes: ReadonlySet<string>; lagMeanUs: number } | null;
}

function stranglerMetrics() {
  return {
    requests: new Counter(),
    toLegacy: new Counter(),
    toModern: new Counter(),
    shadowed: new Counter(),
    divergent: new Counter(),
    staleReads: new Counter(),
    rolledBack: new Counter(),
  };
}

export class StranglerFacadeNode extends SimNode {
  private readonly m: ReturnType<typeof stranglerMetrics>;
  private readonly pending = new PendingCalls();
  private legacyPath!: Invoker;
  private modernPath!: Invoker;
  /** Routes rolled back: configuration, not memory — a restart keeps them. */
  private readonly rolledBack = new Set<string>();
  /** Per type, the modern system's recent answers (time, ok). */
  private readonly windows = new Map<string, { t: Micros; ok: boolean }[]>();
  /** Per key, the last write: which system took it and when the other one's store has it. */
  private readonly lastWrite = new Map<number, { modern: boolean; elsewhereAt: Micros }>();
  private readonly shareGauges = new Map<string, Gauge>();

  constructor(world: World, index: number, name: string, readonly p: StranglerParams) {
    super(world, index, name, 'strangler-facade');
    this.m = world.sim.metrics.group(name, stranglerMetrics());
    for (const t of p.types) this.shareGauges.set(t, world.sim.metrics.gauge(`${name}.share.${t}`));
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    const path = (side: StranglerParams['legacy']) => {
      const layer = `${this.name}->${side.name}`;
      return buildCallPath(this, layer, side.callPath, new Transport(this, this.pending, side.index, true, layer)).top;
    };
    this.legacyPath = path(this.p.legacy);
    this.modernPath = path(this.p.modern);
    for (const step of this.p.steps) if (step.atUs > this.now) this.setTimer(step.atUs - this.now, TIMER_STEP);
    this.report();
  }

  override onCrash(): void {
    this.pending.clear();
  }

  override onMessage(msg: Message): void {
    if (msg.type === RESPONSE) this.pending.onResponse(msg);
    else if (msg.type === REQUEST) this.arrive(msg);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_STEP) return this.report();
    if (tag === TIMER_WORKED) {
      const { call, msg } = data as { call: Call; msg: Message };
      this.route(call, msg);
    }
  }

  /** The modern share in force for a request type: the last step naming it (or `*`), 0 before any; 0 once rolled back. */
  shareOf(type: string): number {
    if (this.rolledBack.has(type)) return 0;
    let share = 0;
    for (const step of this.p.steps) {
      if (step.atUs > this.now) break;
      const s = step.shares.get(type) ?? step.shares.get('*');
      if (s !== undefined) share = s;
    }
    return share;
  }

  private typeName(call: Call): string {
    return call.type === undefined ? UNTYPED : (this.world.requestTypes[call.type] ?? UNTYPED);
  }

  private arrive(msg: Message): void {
    this.m.requests.add();
    const type = requestType(msg.payload);
    const base = { id: msg.id, attempt: 1, startedAt: this.now, deadline: msg.deadline, key: requestKey(msg.payload, msg.id), host: -1, parent: msg.id };
    const call: Call = type >= 0 ? { ...base, type } : base;
    this.setTimer(this.p.overheadUs, TIMER_WORKED, { call, msg });
  }

  private route(call: Call, msg: Message): void {
    const type = this.typeName(call);
    const share = this.shareOf(type);
    const modern = share >= 1 || (share > 0 && this.rng.next() < share);
    const side = modern ? this.p.modern : this.p.legacy;
    (modern ? this.m.toModern : this.m.toLegacy).add();
    this.callEvent(call.id, STRANGLER_LAYER, `serve:${side.name}`);
    this.syncBook(call.key, type, modern);
    const shadow = !modern && this.mirrors(type);
    let served: CallResult | null = null;
    let shadowResult: CallResult | null = null;
    const compare = () => {
      if (served === null || shadowResult === null) return;
      if ((served.outcome === 'ok') !== (shadowResult.outcome === 'ok')) this.m.divergent.add();
    };
    (modern ? this.modernPath : this.legacyPath).invoke(call, (result) => {
      if (modern) this.modernAnswered(type, result);
      served = result;
      compare();
      this.answer(msg, result);
    });
    if (!shadow) return;
    this.m.shadowed.add();
    this.callEvent(call.id, STRANGLER_LAYER, `shadow:${this.p.modern.name}`);
    // The client does not wait for it: only compared, and counted towards the modern error rate.
    this.modernPath.invoke(call, (result) => {
      this.modernAnswered(type, result);
      shadowResult = result;
      compare();
    });
  }

  private mirrors(type: string): boolean {
    const s = this.p.shadow;
    if (s === null || !(s.all || s.types.has(type))) return false;
    return s.share >= 1 || this.rng.next() < s.share;
  }

  /** Keeps the book of writes and their sync to the other store; counts reads that see stale data. */
  private syncBook(key: number, type: string, modern: boolean): void {
    const sync = this.p.sync;
    if (sync === null) return;
    if (sync.writes.has(type)) {
      const lag = sync.lagMeanUs > 0 ? Math.round(this.rng.exponential(sync.lagMeanUs)) : 0;
      this.lastWrite.set(key, { modern, elsewhereAt: this.now + lag });
      return;
    }
    const w = this.lastWrite.get(key);
    if (w !== undefined && w.modern !== modern && w.elsewhereAt > this.now) {
      this.m.staleReads.add();
      this.m.divergent.add();
    }
  }

  private modernAnswered(type: string, result: CallResult): void {
    const rb = this.p.rollback;
    if (rb === null || this.rolledBack.has(type)) return;
    const window = this.windows.get(type) ?? [];
    this.windows.set(type, window);
    window.push({ t: this.now, ok: result.outcome === 'ok' });
    while (window.length > 0 && window[0].t <= this.now - rb.windowUs) window.shift();
    if (window.length < rb.minRequests) return;
    const errors = window.reduce((n, a) => n + (a.ok ? 0 : 1), 0);
    if (errors / window.length <= rb.rate) return;
    this.rolledBack.add(type);
    this.m.rolledBack.add();
    this.callEvent(-1, STRANGLER_LAYER, `rollback:${type}`);
    this.report();
  }

  private answer(msg: Message, result: CallResult): void {
    const payload: ResponsePayload =
      result.outcome === 'ok' ? RESPONSE_OK : result.outcome === 'rejected' ? { outcome: 'rejected', reason: result.reason } : { outcome: 'error', reason: `dependency-${result.reason || result.outcome}` };
    this.send(msg.from, RESPONSE, payload, msg.id);
  }

  /** Shares in force (gauges) and the state record the sandbox draws. */
  private report(): void {
    const parts: string[] = [];
    for (const t of this.p.types) {
      const share = this.shareOf(t);
      this.shareGauges.get(t)?.set(this.now, share);
      parts.push(`${t} ${Math.round(share * 100)}%${this.rolledBack.has(t) ? ' rolled back' : ''}`);
    }
    this.state('strangler.routes', parts.join(' · '));
  }
}

export const STRANGLER_FACADE_KIND: NodeKind<StranglerFacadeSpec> = {
  create: (world, index, spec, resolve) => {
    const types = world.requestTypes.length > 0 ? [...world.requestTypes] : [UNTYPED];
    return new StranglerFacadeNode(world, index, spec.id, {
      legacy: { index: resolve(spec.legacy), name: spec.legacy, callPath: spec.legacyCallPath },
      modern: { index: resolve(spec.modern), name: spec.modern, callPath: spec.modernCallPath },
      overheadUs: msToUs(spec.overheadMs),
      steps: spec.schedule.map((s) => ({ atUs: msToUs(s.atMs), shares: new Map(s.routes.map((r) => [r.type, r.modernShare])) })),
      types,
      shadow: spec.shadow === null ? null : { types: new Set(spec.shadow.types), all: spec.shadow.types.includes('*'), share: spec.shadow.share },
      rollback: spec.rollback === null ? null : { rate: spec.rollback.errorRateAbove, windowUs: msToUs(spec.rollback.windowMs), minRequests: spec.rollback.minRequests },
      sync: spec.sync === null ? null : { writes: new Set(spec.sync.writes), lagMeanUs: msToUs(spec.sync.lagMeanMs) },
    });
  },
  invariants: (spec) => [
    { name: `${spec.id} answers every request exactly once`, invariant: new StranglerAnswers(spec.id, spec.legacy, spec.modern, 'once') },
    { name: `${spec.id}'s shadow answers never reach a client`, invariant: new StranglerAnswers(spec.id, spec.legacy, spec.modern, 'shadow') },
    ...[
      [`${spec.id}->${spec.legacy}`, spec.legacyCallPath] as const,
      [`${spec.id}->${spec.modern}`, spec.modernCallPath] as const,
    ].flatMap(([path, specs]) => pathInvariants(spec.id, path, specs).map((invariant) => ({ name: invariant.describe(), invariant }))),
  ],
};
