import { Counter, durationHistogram, type Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { Deque } from '../nodes/deque.ts';
import { OK, type CallResult, type Done, type Invoker } from '../nodes/call.ts';
import type { SimNode } from '../nodes/node.ts';
import { requestKey, requestType, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import { buildCallPath, type PolicySpec } from './registry.ts';
import type { SidecarSpec } from './sidecar.schema.ts';

/**
 * A sidecar proxy (Envoy in Istio, Linkerd's proxy): a helper in the same pod as its service,
 * sharing its fate — it crashes and restarts with it — that every request in and every call
 * out passes through. Each pass (a request coming in, its answer going out, a call going out,
 * its answer coming back) waits for a proxy worker, spends `cpuMs` of its CPU, then a lognormal
 * wait (the local hop, buffering); defaults calibrated to Istio's benchmark (sidecar.schema.ts).
 * The proxy applies its own policies: `inbound` to requests before the app sees them (a local
 * rate limit's rejection never reaches the app), `outbound` below the app's call path — so an
 * app that retries 3 times through a proxy that retries 3 times sends up to 9 attempts.
 *
 * Metrics `<service>.sidecar.*`: passes, cpuMs (worker time spent: its time average is the
 * proxy's CPU use), passMs (each pass, from arrival to done, queueing included). State record
 * `sidecar.proxy` (at each start): the policies it applies each way; `sidecar.config` (`v3`) and
 * the gauge `<service>.sidecar.configVersion`: the mesh configuration in force.
 */

/** A configuration a mesh's control plane pushes to its proxies. */
export interface MeshConfig {
  readonly version: number;
  readonly outbound: readonly PolicySpec[];
}

export const MESH_CONFIG = 'mesh.config';
const NO_MESH_CONFIG: MeshConfig = Object.freeze({ version: 0, outbound: [] });

interface Waiting {
  readonly then: () => void;
  readonly arrivedAt: Micros;
}

/** Inbound requests the app is working on: the proxy answers when the app does. */
interface InboundCall {
  readonly done: Done;
}

export class Sidecar {
  private readonly m: { passes: Counter; cpuMs: Counter; passMs: ReturnType<typeof durationHistogram> };
  private busy = 0;
  private queue = new Deque<Waiting>();
  private inboundPath!: Invoker;
  private inFlight = new Map<number, InboundCall>();
  private readonly cpuUs: Micros;
  private readonly mu: number;
  /** The call paths it proxies, rebuilt when the mesh pushes a new configuration. */
  private routes: { path: string; transport: Invoker; proxied: Invoker }[] = [];
  /** The mesh configuration in force (version 0: none yet, the proxy's own policies). Volatile: a restart asks again. */
  private config: MeshConfig = NO_MESH_CONFIG;
  private readonly configVersion: Gauge;

  constructor(
    private readonly node: SimNode,
    private readonly spec: SidecarSpec,
    /** Hands an admitted request to the app. */
    private readonly admit: (msg: Message) => void,
    /** Puts an answer on the network. */
    private readonly send: (request: Message, payload: ResponsePayload) => void,
  ) {
    this.m = node.world.sim.metrics.group(`${node.name}.sidecar`, { passes: new Counter(), cpuMs: new Counter(), passMs: durationHistogram() });
    this.configVersion = node.world.sim.metrics.gauge(`${node.name}.sidecar.configVersion`);
    this.cpuUs = msToUs(spec.cpuMs);
    this.mu = Math.log(Math.max(1e-9, msToUs(spec.latencyMedianMs)));
  }

  /** (Re)builds the proxy's volatile state: its queue and its policies (at every start of its service). */
  start(messages: Map<number, Message>): void {
    this.routes = [];
    this.config = NO_MESH_CONFIG;
    // What the sandbox draws attached to the service: the proxy and the policies it applies.
    const names = (specs: readonly { type: string }[]) => specs.map((p) => p.type).join('+');
    const { inbound, outbound } = this.spec;
    this.node.state('sidecar.proxy', inbound.length + outbound.length === 0 ? 'basic' : [inbound.length > 0 ? `in ${names(inbound)}` : '', outbound.length > 0 ? `out ${names(outbound)}` : ''].filter((x) => x !== '').join(' · '));
    this.busy = 0;
    this.queue = new Deque();
    this.inFlight = new Map();
    this.inboundPath = buildCallPath(this.node, `${this.node.name}.sidecar.in`, this.spec.inbound, {
      invoke: (call, done) => {
        this.inFlight.set(call.id, { done });
        this.admit(messages.get(call.id)!);
        messages.delete(call.id);
      },
    }).top;
  }

  /** A request arrives: a pass, the inbound policies, the app; its answer: a pass, then the network. */
  inbound(msg: Message, messages: Map<number, Message>): void {
    this.pass(() => {
      messages.set(msg.id, msg);
      const type = requestType(msg.payload);
      const base = { id: msg.id, attempt: 1, startedAt: this.node.now, deadline: msg.deadline, key: requestKey(msg.payload, msg.id), host: -1, parent: msg.id };
      this.inboundPath.invoke(type >= 0 ? { ...base, type } : base, (result) => {
        messages.delete(msg.id);
        this.pass(() => this.send(msg, payloadOf(result)));
      });
    });
  }

  /** The app answered `request`: the proxy takes it from here. False if the proxy was not waiting for it. */
  answered(request: Message, payload: ResponsePayload): boolean {
    const call = this.inFlight.get(request.id);
    if (call === undefined) return false;
    this.inFlight.delete(request.id);
    call.done(resultOf(payload));
    return true;
  }

  /** The bottom of one of the app's call paths: a pass, the outbound policies, the network, a pass back. */
  outbound(path: string, transport: Invoker): Invoker {
    const route = { path, transport, proxied: buildCallPath(this.node, `${path}.sidecar`, this.outboundSpecs(), transport).top };
    this.routes.push(route);
    return {
      invoke: (call, done) => this.pass(() => route.proxied.invoke(call, (result) => this.pass(() => done(result)))),
    };
  }

  /**
   * A service mesh's control plane pushed a configuration (sim/patterns/service-mesh.ts): its
   * outbound policies replace the proxy's own, from the next call on (calls under way finish
   * under the old ones). An older version than the one in force is ignored.
   */
  configure(config: MeshConfig): void {
    if (config.version <= this.config.version) return;
    this.config = config;
    for (const route of this.routes) route.proxied = buildCallPath(this.node, `${route.path}.sidecar`, config.outbound, route.transport).top;
    this.configVersion.set(this.node.now, config.version);
    this.node.state('sidecar.config', `v${config.version}`);
  }

  /** The outbound policies in force: the mesh's latest configuration, else the proxy's own. */
  private outboundSpecs(): readonly PolicySpec[] {
    return this.config.version > 0 ? this.config.outbound : this.spec.outbound;
  }

  // ---- a pass through the proxy --------------------------------------------------------

  private pass(then: () => void): void {
    const w: Waiting = { then, arrivedAt: this.node.now };
    if (this.busy < this.spec.workers) this.work(w);
    else this.queue.pushBack(w);
  }

  /** A worker spends the pass's CPU, then the pass waits out the rest of its latency. */
  private work(w: Waiting): void {
    this.busy++;
    this.node.after(this.cpuUs, () => {
      this.busy--;
      this.m.cpuMs.add(this.cpuUs / 1000);
      const next = this.queue.popFront();
      if (next !== undefined) this.work(next);
      const rest = this.spec.latencyMedianMs > 0 ? Math.round(this.node.rng.lognormal(this.mu, this.spec.latencySigma)) : 0;
      this.node.after(rest, () => {
        this.m.passes.add();
        this.m.passMs.record(this.node.now - w.arrivedAt);
        w.then();
      });
    });
  }
}

function resultOf(p: ResponsePayload): CallResult {
  return p.outcome === 'ok' ? OK : { outcome: p.outcome, reason: p.reason };
}

function payloadOf(r: CallResult): ResponsePayload {
  if (r.outcome === 'ok') return RESPONSE_OK;
  if (r.outcome === 'rejected') return { outcome: 'rejected', reason: r.reason };
  return { outcome: 'error', reason: r.outcome === 'timeout' ? 'sidecar-timeout' : r.reason };
}

