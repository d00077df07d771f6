import { Counter, durationHistogram } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import type { Call, CallResult, Invoker } from '../nodes/call.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, requestKey, requestType, RESPONSE, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import { PendingCalls, Transport } from '../nodes/transport.ts';
import type { World } from '../nodes/world.ts';
import type { ApiGatewaySpec } from './api-gateway.schema.ts';
import type { NodeKind } from './node-kinds.ts';
import { buildCallPath, pathInvariants, type PolicySpec } from './registry.ts';

/**
 * An API gateway: the one door clients knock on. Every request passes the gateway's edge
 * policies (rate limiting, a concurrency limit… any call-path policy; a rejection is answered
 * as a rejection), then authentication — none; a call to the auth service; or a cached token:
 * a user (the request's key) verified within `tokenTtlMs` skips the call — then its own work
 * (`overheadMs`), then its route by request type: one backend chosen by weight (a canary split,
 * one call per request), or a composition that calls every backend in parallel and answers
 * when all have, so its latency is the slowest one's (with N calls each slow with probability
 * p, a request is slow with probability 1 − (1 − p)^N). Each backend call has its own call path.
 * The gateway is one node: when it crashes, every request in it is lost and nothing gets in.
 *
 * Answers: ok; a backend's or the edge's rejection as a rejection (an HTTP 429/503 passed on);
 * anything else as an error (`dependency-<why>`, `auth-failed`, `no-route`).
 *
 * Metrics `<id>.*`: requests, answered (ok), failed, noRoute, authCalls, authCacheHits,
 * `to.<backend>` (calls sent to each backend), residenceMs (from arrival to answer).
 * State record `gateway.routes`: each backend's calls so far (`orders 612 · users 301`).
 */

interface Target {
  readonly node: string;
  readonly weight: number;
  path: Invoker;
  readonly calls: Counter;
}

interface Route {
  readonly compose: boolean;
  readonly targets: Target[];
  /** Cumulative weights over the targets, normalised to 1. */
  readonly cumulative: number[];
}

interface Pending {
  readonly msg: Message;
  readonly arrivedAt: Micros;
}

/** Failures the gateway itself decides (the rest come from a backend or a call path). */
const OWN_REASONS = new Set(['no-route', 'auth-failed']);

const TIMER_WORKED = 0;
const TIMER_NAMES = ['worked'];

function gatewayMetrics() {
  return {
    requests: new Counter(),
    answered: new Counter(),
    failed: new Counter(),
    noRoute: new Counter(),
    authCalls: new Counter(),
    authCacheHits: new Counter(),
    residenceMs: durationHistogram(),
  };
}

export interface GatewayParams {
  overheadUs: Micros;
  edge: readonly PolicySpec[];
  auth: { mode: ApiGatewaySpec['auth']['mode']; service: number; tokenTtlUs: Micros; callPath: readonly PolicySpec[]; serviceName: string };
  /** Routes by request type index; `fallback` serves "*". */
  routes: ReadonlyMap<number, { compose: boolean; to: readonly { node: string; index: number; weight: number; callPath: readonly PolicySpec[] }[] }>;
  fallback: { compose: boolean; to: readonly { node: string; index: number; weight: number; callPath: readonly PolicySpec[] }[] } | null;
}

export class ApiGatewayNode extends SimNode {
  private readonly m: ReturnType<typeof gatewayMetrics>;
  private readonly pending = new PendingCalls();
  private edge!: Invoker;
  private authPath: Invoker | null = null;
  private routes = new Map<number, Route>();
  private fallback: Route | null = null;
  private readonly targetCalls = new Map<string, Counter>();
  private paths = new Map<string, Invoker>();
  /** cached-token: user → when its token expires. Volatile: a restart verifies everyone again. */
  private tokens = new Map<number, Micros>();

  constructor(world: World, index: number, name: string, readonly p: GatewayParams) {
    super(world, index, name, 'api-gateway');
    this.m = world.sim.metrics.group(name, gatewayMetrics());
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    // Call paths are volatile (breakers, buckets start afresh after a restart). A backend on
    // several routes has one call path (the one given where it first appears), so one breaker.
    this.paths = new Map();
    const makeRoute = (r: NonNullable<GatewayParams['fallback']>): Route => {
      let sum = 0;
      const cumulative = r.to.map((t) => (sum += t.weight));
      return { compose: r.compose, targets: r.to.map((t) => this.target(t)), cumulative: cumulative.map((c) => c / sum) };
    };
    this.routes = new Map([...this.p.routes].map(([type, r]) => [type, makeRoute(r)]));
    this.fallback = this.p.fallback === null ? null : makeRoute(this.p.fallback);
    const a = this.p.auth;
    this.authPath = a.mode === 'none' ? null : this.callPath(a.serviceName, a.service, a.callPath);
    this.edge = buildCallPath(this, `${this.name}.edge`, this.p.edge, { invoke: (call, done) => this.admitted(call, done) }).top;
    this.tokens = new Map();
  }

  override onCrash(): void {
    this.pending.clear();
  }

  override onMessage(msg: Message): void {
    if (msg.type === RESPONSE) this.pending.onResponse(msg);
    else if (msg.type === REQUEST) this.arrive(msg);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_WORKED) {
      const { call, done } = data as { call: Call; done: (r: CallResult) => void };
      this.route(call, done);
    }
  }

  private target(t: { node: string; index: number; weight: number; callPath: readonly PolicySpec[] }): Target {
    let calls = this.targetCalls.get(t.node);
    if (calls === undefined) this.targetCalls.set(t.node, (calls = this.world.sim.metrics.counter(`${this.name}.to.${t.node}`)));
    return { node: t.node, weight: t.weight, path: this.callPath(t.node, t.index, t.callPath), calls };
  }

  private callPath(to: string, index: number, specs: readonly PolicySpec[]): Invoker {
    const path = `${this.name}->${to}`;
    let top = this.paths.get(path);
    if (top === undefined) this.paths.set(path, (top = buildCallPath(this, path, specs, new Transport(this, this.pending, index, true, path)).top));
    return top;
  }

  // ---- a request's way through --------------------------------------------------------

  private arrive(msg: Message): void {
    this.m.requests.add();
    const pending: Pending = { msg, arrivedAt: this.now };
    const type = requestType(msg.payload);
    const base = { id: msg.id, attempt: 1, startedAt: this.now, deadline: msg.deadline, key: requestKey(msg.payload, msg.id), host: -1, parent: msg.id };
    const call: Call = type >= 0 ? { ...base, type } : base;
    this.edge.invoke(call, (result) => this.answer(pending, result));
  }

  /** Past the edge: authenticate, do the gateway's own work, then route. */
  private admitted(call: Call, done: (r: CallResult) => void): void {
    const afterAuth = () => this.setTimer(this.p.overheadUs, TIMER_WORKED, { call, done });
    if (this.authPath === null) return afterAuth();
    const expires = this.tokens.get(call.key);
    if (this.p.auth.mode === 'cached-token' && expires !== undefined && expires > this.now) {
      this.m.authCacheHits.add();
      return afterAuth();
    }
    this.m.authCalls.add();
    this.authPath.invoke(call, (result) => {
      if (result.outcome !== 'ok') return done(result.outcome === 'rejected' ? result : { outcome: 'error', reason: 'auth-failed' });
      if (this.p.auth.mode === 'cached-token') this.tokens.set(call.key, this.now + this.p.auth.tokenTtlUs);
      afterAuth();
    });
  }

  private route(call: Call, done: (r: CallResult) => void): void {
    const route = (call.type !== undefined ? this.routes.get(call.type) : undefined) ?? this.fallback;
    if (route === null) {
      this.m.noRoute.add();
      return done({ outcome: 'error', reason: 'no-route' });
    }
    if (route.compose) return this.compose(call, route, done);
    const target = route.targets[this.pick(route)];
    this.callBackend(target, call, done);
  }

  /** One backend by weight. */
  private pick(route: Route): number {
    if (route.targets.length === 1) return 0;
    const u = this.rng.next();
    const i = route.cumulative.findIndex((c) => u < c);
    return i < 0 ? route.targets.length - 1 : i;
  }

  /** Every backend at once: the first failure answers, or the last success does. */
  private compose(call: Call, route: Route, done: (r: CallResult) => void): void {
    let waiting = route.targets.length;
    let answered = false;
    for (const target of route.targets) {
      this.callBackend(target, call, (result) => {
        if (answered) return;
        if (result.outcome !== 'ok' || --waiting === 0) {
          answered = true;
          done(result);
        }
      });
    }
  }

  private callBackend(target: Target, call: Call, done: (r: CallResult) => void): void {
    target.calls.add();
    this.state('gateway.routes', this.routeCounts());
    target.path.invoke(call, done);
  }

  private routeCounts(): string {
    return [...this.targetCalls].map(([node, c]) => `${node} ${c.value}`).join(' · ');
  }

  private answer(p: Pending, result: CallResult): void {
    this.m.residenceMs.record(this.now - p.arrivedAt);
    if (result.outcome === 'ok') this.m.answered.add();
    else this.m.failed.add();
    const payload: ResponsePayload =
      result.outcome === 'ok' ? RESPONSE_OK
      : result.outcome === 'rejected' ? { outcome: 'rejected', reason: result.reason }
      : { outcome: 'error', reason: OWN_REASONS.has(result.reason) ? result.reason : `dependency-${result.reason || result.outcome}` };
    this.send(p.msg.from, RESPONSE, payload, p.msg.id);
  }
}

export const API_GATEWAY_KIND: NodeKind<ApiGatewaySpec> = {
  create: (world, index, spec, resolve) => {
    const typeIndex = new Map(world.requestTypes.map((name, i) => [name, i]));
    const routeOf = (r: ApiGatewaySpec['routes'][number]) => ({
      compose: r.compose,
      to: r.to.map((t) => ({ node: t.node, index: resolve(t.node), weight: t.weight, callPath: t.callPath })),
    });
    const routes = new Map<number, ReturnType<typeof routeOf>>();
    for (const r of spec.routes) {
      const type = typeIndex.get(r.type);
      if (r.type !== '*' && type !== undefined) routes.set(type, routeOf(r));
    }
    const star = spec.routes.find((r) => r.type === '*');
    return new ApiGatewayNode(world, index, spec.id, {
      overheadUs: msToUs(spec.overheadMs),
      edge: spec.edge,
      auth: {
        mode: spec.auth.mode,
        service: spec.auth.service === undefined ? -1 : resolve(spec.auth.service),
        serviceName: spec.auth.service ?? '',
        tokenTtlUs: msToUs(spec.auth.tokenTtlMs),
        callPath: spec.auth.callPath,
      },
      routes,
      fallback: star === undefined ? null : routeOf(star),
    });
  },
  invariants: (spec) => {
    const paths = new Map<string, readonly PolicySpec[]>([
      [`${spec.id}.edge`, spec.edge],
      ...(spec.auth.service === undefined ? [] : [[`${spec.id}->${spec.auth.service}`, spec.auth.callPath] as [string, readonly PolicySpec[]]]),
      ...spec.routes.flatMap((r) => r.to.map((t) => [`${spec.id}->${t.node}`, t.callPath] as [string, readonly PolicySpec[]])).reverse(),
    ]);
    return [...paths].flatMap(([path, specs]) => pathInvariants(spec.id, path, specs).map((invariant) => ({ name: invariant.describe(), invariant })));
  },
};
