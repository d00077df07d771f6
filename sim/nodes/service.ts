import type { Sampler } from '../engine/dist.ts';
import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Message } from '../net/message.ts';
import { Deque } from './deque.ts';
import { MESH_CONFIG, Sidecar, type MeshConfig } from '../patterns/sidecar.ts';
import type { SidecarSpec } from '../patterns/sidecar.schema.ts';
import { Registration } from '../patterns/registry-client.ts';
import type { RegistrationSpec } from '../patterns/service-registry.schema.ts';
import { SimNode } from './node.ts';
import type { Call, CallResult, Invoker } from './call.ts';
import { REQUEST, requestKey, requestType, RESPONSE, RESPONSE_ERROR, RESPONSE_OK, RESPONSE_QUEUE_FULL, type ResponsePayload } from './protocol.ts';
import { PendingCalls } from './transport.ts';
import type { World } from './world.ts';

/**
 * The generic service model: `workers` servers in front of one queue (an M/M/c station when
 * arrivals are Poisson and service exponential).
 *
 * A request that finds a free worker starts at once; otherwise it waits in the queue, or is
 * rejected if the queue is full. A finishing worker takes the next request: the oldest (FIFO)
 * or the newest (LIFO, which keeps latency low for the lucky under backlog; adaptive LIFO does
 * so only while the backlog is over a threshold). With
 * `dropExpired`, a request whose caller's deadline has passed is dropped instead of served —
 * work nobody waits for any more. A crash loses the queue and the work in progress.
 *
 * With dependencies, a request that finished its own work calls them (one after another, or
 * all at once); any failure fails the request.
 *
 * Requests that queue count towards the run's `maxQueuedRequests` limit while they wait.
 *
 * Invariants: busy ≤ workers; queue length ≤ capacity; every accepted request ends exactly
 * once (served, failed, expired or lost in a crash).
 */
export interface ServiceParams {
  workers: number;
  /** null = unbounded. */
  queueCapacity: number | null;
  /** adaptive-lifo: FIFO until more than `adaptiveLifoThreshold` wait, then LIFO (Facebook's adaptive LIFO). */
  queueDiscipline: 'fifo' | 'lifo' | 'adaptive-lifo';
  adaptiveLifoThreshold: number;
  serviceTime: Sampler;
  /** Probability that a served request fails. */
  errorProbability: number;
  /** Service times are multiplied by this. */
  slowdownFactor: number;
  dropExpired: boolean;
  /**
   * Downstream calls made for each request after its own service time, each through its own
   * call path (built fresh at every start: policy state is volatile). The worker stays busy
   * until they answer — thread-per-request, which is how a slow dependency ties a service up.
   */
  dependencies: readonly ((node: SimNode, pending: PendingCalls, bottom?: (path: string, transport: Invoker) => Invoker) => Invoker)[];
  /** A sidecar proxy in the same pod (sim/patterns/sidecar.ts); absent: none. */
  sidecar?: SidecarSpec | null;
  /** Registration with a service registry (sim/patterns/registry-client.ts); absent: none. */
  registration?: RegistrationSpec | null;
  /** Per dependency: answer its rejection as a rejection (true) or as an error (false). */
  propagateRejections?: readonly boolean[];
  /** Per dependency: the request types it is called for (null: every request; untyped requests only these). */
  callTypes?: readonly (ReadonlySet<number> | null)[];
  callMode: 'sequential' | 'parallel';
  /**
   * Messages this service consumes from a queue (sim/patterns/queue-consumer.ts), made at
   * construction; null: none. Its processing uses this service's service time, errors and calls.
   */
  consumer?: ((host: ConsumerHost) => NodeConsumer) | null;
}

/** The consumer side of a service, as the service drives it (sim/patterns/queue-consumer.ts). */
export interface NodeConsumer {
  start(): void;
  onCrash(): void;
  /** True if the message or timer was the consumer's. */
  onMessage(msg: Message): boolean;
  onTimer(tag: number, data: unknown): boolean;
}

/** What a consumer may ask of its service. */
export interface ConsumerHost {
  readonly node: SimNode;
  processingTime(): number;
  failsNow(): boolean;
  callDependencies(makeCall: () => Call, done: (response: ResponsePayload) => void): void;
  hasDependencies(): boolean;
}

const TIMER_DONE = 0;
const NO_DEPENDENCIES: readonly Invoker[] = [];

/** A request inside the service: when it arrived here (not when it was sent). */
interface Job {
  readonly msg: Message;
  readonly arrivedAt: number;
}

/** What a service measures; reported as `<node>.<field>`. */
function serviceMetrics() {
  return {
    /** Requests in the system (queued + in service), time-weighted: L in Little's law. */
    inSystem: new Gauge(),
    busy: new Gauge(),
    queueDepth: new Gauge(),
    /** Time from arrival here to the reply: W in Little's law. */
    sojournMs: durationHistogram(),
    waitMs: durationHistogram(),
    accepted: new Counter(),
    /** Accepted requests that found every worker busy and queued: waited / accepted is P(wait), Erlang C's C(c, a). */
    waited: new Counter(),
    served: new Counter(),
    failed: new Counter(),
    rejected: new Counter(),
    expired: new Counter(),
    lostInCrash: new Counter(),
  };
}

export class ServiceNode extends SimNode {
  private readonly queue = new Deque<Job>();
  private busy = 0;
  private readonly m: ReturnType<typeof serviceMetrics>;
  private readonly pending = new PendingCalls();
  private dependencies: readonly Invoker[] = NO_DEPENDENCIES;
  /** Request type → the dependencies it calls (see `route`). */
  private readonly routes = new Map<number, readonly number[]>();
  private readonly consumer: NodeConsumer | null;
  private readonly sidecar: Sidecar | null;
  private readonly registration: Registration | null;
  /** Requests inside the sidecar's inbound path, by id, until it hands them to the app. */
  private readonly proxied = new Map<number, Message>();

  constructor(world: World, index: number, name: string, readonly params: ServiceParams) {
    super(world, index, name, 'service');
    this.m = world.sim.metrics.group(name, serviceMetrics());
    this.consumer = params.consumer ? params.consumer(this.consumerHost()) : null;
    this.registration = params.registration ? new Registration(this, params.registration) : null;
    this.sidecar = params.sidecar ? new Sidecar(this, params.sidecar, (msg) => this.arrive(msg), (request, payload) => this.send(request.from, RESPONSE, payload, request.id)) : null;
  }

  override start(): void {
    const sidecar = this.sidecar;
    this.proxied.clear();
    sidecar?.start(this.proxied);
    const bottom = sidecar === null ? undefined : (path: string, transport: Invoker) => sidecar.outbound(path, transport);
    if (this.params.dependencies.length > 0) this.dependencies = this.params.dependencies.map((make) => make(this, this.pending, bottom));
    this.consumer?.start();
    this.registration?.start();
  }

  override onGracefulStop(): void {
    this.registration?.deregister();
  }

  /** Answers a request: through the sidecar if it has one, else straight onto the network. */
  private reply(request: Message, payload: ResponsePayload): void {
    if (this.sidecar?.answered(request, payload) !== true) this.send(request.from, RESPONSE, payload, request.id);
  }

  override onMessage(msg: Message): void {
    if (msg.type === RESPONSE) {
      this.pending.onResponse(msg);
      return;
    }
    if (msg.type === MESH_CONFIG) {
      this.sidecar?.configure(msg.payload as MeshConfig);
      return;
    }
    if (msg.type !== REQUEST) {
      this.consumer?.onMessage(msg);
      return;
    }
    if (this.sidecar !== null) this.sidecar.inbound(msg, this.proxied);
    else this.arrive(msg);
  }

  /** A request reaches the app: a worker takes it, it queues, or it is turned away. */
  private arrive(msg: Message): void {
    const p = this.params;
    if (this.busy < p.workers) {
      this.accept();
      this.begin({ msg, arrivedAt: this.now });
    } else if (p.queueCapacity === null || this.queue.length < p.queueCapacity) {
      this.accept();
      this.m.waited.add();
      this.queue.pushBack({ msg, arrivedAt: this.now });
      this.world.sim.enqueued();
      this.m.queueDepth.set(this.now, this.queue.length);
    } else {
      this.m.rejected.add();
      this.world.sim.trace.emit(TraceKind.work, this.now, this.index, msg.id, 'rejected');
      this.reply(msg, RESPONSE_QUEUE_FULL);
    }
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_DONE) this.ownWorkDone(data as Job);
    else this.consumer?.onTimer(tag, data);
  }

  override onCrash(): void {
    const now = this.now;
    this.pending.clear();
    this.consumer?.onCrash();
    this.m.lostInCrash.add(this.busy + this.queue.length);
    this.world.sim.dequeued(this.queue.length);
    this.queue.clear();
    this.busy = 0;
    this.m.inSystem.set(now, 0);
    this.m.busy.set(now, 0);
    this.m.queueDepth.set(now, 0);
  }

  /** How many requests are waiting (for views and tests). */
  get queued(): number {
    return this.queue.length;
  }

  get inService(): number {
    return this.busy;
  }

  private accept(): void {
    this.m.accepted.add();
    this.m.inSystem.add(this.now, 1);
  }

  private begin(job: Job): void {
    const now = this.now;
    this.busy++;
    this.m.busy.set(now, this.busy);
    this.m.waitMs.record(now - job.arrivedAt);
    this.world.sim.trace.emit(TraceKind.work, now, this.index, job.msg.id, 'start');
    this.setTimer(this.serviceDuration(), TIMER_DONE, job);
  }

  /** One request's own work: a service time, slowed by the scenario's factor and any slow-node fault. */
  private serviceDuration(): number {
    const factor = this.params.slowdownFactor * this.slowdownFactor;
    const duration = this.params.serviceTime.sample(this.rng);
    return factor === 1 ? duration : Math.round(duration * factor);
  }

  /** Whether this piece of work fails: the service's error probability, and a brownout's. */
  private failsNow(): boolean {
    const pError = 1 - (1 - this.params.errorProbability) * (1 - this.brownoutErrorProbability);
    return pError > 0 && this.rng.next() < pError;
  }

  private ownWorkDone(job: Job): void {
    const failed = this.failsNow();
    if (failed || this.dependencies.length === 0) this.finish(job, failed ? RESPONSE_ERROR : RESPONSE_OK);
    else this.callDependencies(() => this.callFor(job), (response) => this.finish(job, response), requestType(job.msg.payload));
  }

  /**
   * Makes this service's calls for one piece of work of request type `type` (-1: untyped) —
   * those whose `forTypes` admit it — one after another or all at once (`makeCall` gives each call).
   */
  private callDependencies(makeCall: () => Call, done: (response: ResponsePayload) => void, type = -1): void {
    const route = this.route(type);
    if (route.length === 0) done(RESPONSE_OK);
    else if (this.params.callMode === 'sequential') this.callInTurn(makeCall, route, 0, done);
    else this.callAll(makeCall, route, done);
  }

  /** The dependencies (indexes) a request of this type calls; computed once per type. */
  private route(type: number): readonly number[] {
    let r = this.routes.get(type);
    if (r === undefined) {
      const types = this.params.callTypes;
      r = this.dependencies.flatMap((_, i) => (types?.[i] === undefined || types[i] === null || types[i].has(type) ? [i] : []));
      this.routes.set(type, r);
    }
    return r;
  }

  private callInTurn(makeCall: () => Call, route: readonly number[], k: number, done: (response: ResponsePayload) => void): void {
    const i = route[k];
    this.dependencies[i].invoke(makeCall(), (result) => {
      if (result.outcome !== 'ok') done(this.failureAnswer(i, result));
      else if (k + 1 < route.length) this.callInTurn(makeCall, route, k + 1, done);
      else done(RESPONSE_OK);
    });
  }

  /** Fan-out: all calls at once; the first failure answers, or the last success does. */
  private callAll(makeCall: () => Call, route: readonly number[], done: (response: ResponsePayload) => void): void {
    let waiting = route.length;
    let answered = false;
    for (const i of route) {
      this.dependencies[i].invoke(makeCall(), (result) => {
        if (answered) return;
        if (result.outcome !== 'ok') {
          answered = true;
          done(this.failureAnswer(i, result));
        } else if (--waiting === 0) {
          answered = true;
          done(RESPONSE_OK);
        }
      });
    }
  }

  /** What this service answers when dependency `i` failed: its rejection, if the call propagates them, else an error. */
  private failureAnswer(i: number, result: CallResult): ResponsePayload {
    if (result.outcome === 'rejected' && this.params.propagateRejections?.[i] === true) return { outcome: 'rejected', reason: result.reason };
    return dependencyFailure(result);
  }

  private callFor(job: Job): Call {
    const msg = job.msg;
    const type = requestType(msg.payload);
    const key = requestKey(msg.payload, msg.id);
    // A typed request's calls carry its type on, so services further down route on it too.
    if (type < 0) return { id: msg.id, attempt: 1, startedAt: this.now, deadline: msg.deadline, key, host: -1, parent: msg.id };
    return { id: msg.id, attempt: 1, startedAt: this.now, deadline: msg.deadline, key, host: -1, parent: msg.id, type };
  }

  private consumerHost(): ConsumerHost {
    return {
      node: this,
      processingTime: () => this.serviceDuration(),
      failsNow: () => this.failsNow(),
      callDependencies: (makeCall, done) => this.callDependencies(makeCall, done),
      hasDependencies: () => this.dependencies.length > 0,
    };
  }

  private finish(job: Job, response: ResponsePayload): void {
    const now = this.now;
    const msg = job.msg;
    this.busy--;
    this.m.inSystem.add(now, -1);
    this.m.sojournMs.record(now - job.arrivedAt);
    const failed = response.outcome !== 'ok';
    if (failed) this.m.failed.add();
    else this.m.served.add();
    this.world.sim.trace.emit(TraceKind.work, now, this.index, msg.id, failed ? 'error' : 'done');
    this.reply(msg, response);
    this.startNext();
    this.m.busy.set(now, this.busy);
  }

  private startNext(): void {
    const p = this.params;
    while (this.queue.length > 0 && this.busy < p.workers) {
      const lifo = p.queueDiscipline === 'lifo' || (p.queueDiscipline === 'adaptive-lifo' && this.queue.length > p.adaptiveLifoThreshold);
      const next = (lifo ? this.queue.popBack() : this.queue.popFront())!;
      this.world.sim.dequeued();
      this.m.queueDepth.set(this.now, this.queue.length);
      if (this.params.dropExpired && this.now > next.msg.deadline) {
        this.m.expired.add();
        this.m.inSystem.add(this.now, -1);
        this.world.sim.trace.emit(TraceKind.work, this.now, this.index, next.msg.id, 'expired');
        continue;
      }
      this.begin(next);
    }
  }
}

function dependencyFailure(result: CallResult): ResponsePayload {
  return { outcome: 'error', reason: `dependency-${result.reason || result.outcome}` };
}
