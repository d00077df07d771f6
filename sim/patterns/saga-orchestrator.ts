import { SagaFlowInvariant, SagaLiveness, type SagaStepDef } from '../check/saga-checks.ts';
import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { Histogram } from '../engine/histogram.ts';
import type { Rng } from '../engine/rng.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import { NO_PARENT, type Message } from '../net/message.ts';
import {
  DATA_REQUEST,
  DATA_RESULT,
  stepKey,
  type DataRequest,
  type DataResult,
} from '../nodes/data-service.ts';
import type { StepType } from '../nodes/data-service.schema.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { SagaOrchestratorSpec } from './saga-orchestrator.schema.ts';


/**
 * Saga, orchestrated (Garcia-Molina & Salem 1987; Richardson, "Microservices Patterns" ch. 4).
 * A coordinator runs a sequence of local transactions T1…Tn at data services
 * (sim/nodes/data-service.ts). If step k fails, the compensations of the steps before it run
 * in reverse order, C(k−1)…C1, each retried until it succeeds (they are idempotent).
 *
 * Steps are typed: compensatable steps come first, then at most one pivot (the go/no-go step:
 * once it succeeds the saga will complete), then retriable steps, retried until they succeed.
 *
 * The saga log is durable: the coordinator writes each step's start and outcome to it before
 * acting on it, so after a crash it resumes every saga in flight — it sends the step in
 * progress again with the same idempotency key (the service answers a repeat from its store)
 * or carries on compensating.
 *
 * Failures and timeouts. A NO from the service is definite: the step was not applied, and
 * compensation starts from the step before it. A step that does not answer within
 * `stepTimeoutMs` (or is refused transiently: locked, busy) is sent again, with exponential
 * backoff, up to `stepRetries` times; then the coordinator gives up on a compensatable step
 * *without knowing* whether it was applied, so it compensates that step too: the undo either
 * puts it back or leaves a tombstone that refuses the step if it arrives late. The pivot
 * cannot be compensated, so it is asked again (same key) until it answers definitely.
 *
 * When the saga completes, the coordinator settles every step (the order is approved, held
 * amounts stop being PENDING); settles are retried until acknowledged.
 *
 * Trace: state records `saga.<id>` (see sim/check/saga-checks.ts for the vocabulary), from
 * which the sandbox draws each saga's timeline and the checkers verify it.
 *
 * Metrics `<id>.sagas.started|completed|compensated|missedStarts`, `<id>.sagas.running` (a
 * gauge: its value at the end is the number of stuck sagas), `<id>.compensations`,
 * `<id>.compensationsPerSaga` and `<id>.pendingMs` (start to end), `<id>.stepRetries`,
 * `<id>.stepTimeouts`, `<id>.compensationRetries`, `<id>.recoveries`.
 *
 * Defaults: `stepTimeoutMs` 200 and `stepRetries` 2 are this simulator's choice for
 * millisecond-latency networks (Eventuate Tram and Temporal leave timeouts to the user);
 * backoff from 20 ms doubling to 1 s.
 */

// ---------------------------------------------------------------------------------------------
// Sagas' inputs
// ---------------------------------------------------------------------------------------------

/** One saga's draw: per line, the amount (drawn if it has a range) and a pick in [0, 1). */
export function drawOrder(rng: Rng, lines: readonly { amount: number; amountMax?: number }[]): { amounts: number[]; picks: number[] } {
  const amounts: number[] = [];
  const picks: number[] = [];
  for (const line of lines) {
    amounts.push(line.amountMax !== undefined && line.amountMax > line.amount ? line.amount + rng.int(line.amountMax - line.amount + 1) : line.amount);
    picks.push(rng.next());
  }
  return { amounts, picks };
}

/** When sagas start: a list of times and a Poisson process, limited by `stopUs` and `maxSagas`. */
export interface SagaArrivals {
  startAtUs: readonly Micros[];
  sagasPerSec: number;
  stopUs: Micros | null;
  maxSagas: number | null;
}

export function sagaArrivals(spec: { startAtMs: readonly number[]; sagasPerSec: number; stopMs: number | null; maxSagas: number | null }): SagaArrivals {
  return {
    startAtUs: spec.startAtMs.map(msToUs).sort((a, b) => a - b),
    sagasPerSec: spec.sagasPerSec,
    stopUs: spec.stopMs === null ? null : msToUs(spec.stopMs),
    maxSagas: spec.maxSagas,
  };
}

/** What both coordinators (orchestrator, starter) keep on disk about arrivals. */
export interface ArrivalLog {
  nextId: number;
  /** Index of the next entry of `startAtUs`. */
  nextStart: number;
  started: number;
}

/**
 * Drives saga starts for a node: call `start()` from the node's `start`, and `onTimer` for
 * the two tags. A start time that passed while the node was down is missed (counted), as an
 * order placed with a crashed service is.
 */
export class ArrivalDriver {
  constructor(
    private readonly node: SimNode,
    private readonly arrivals: SagaArrivals,
    private readonly log: () => ArrivalLog,
    private readonly listTag: number,
    private readonly poissonTag: number,
    private readonly begin: () => void,
    private readonly missed: Counter,
  ) {}

  start(): void {
    const log = this.log();
    const times = this.arrivals.startAtUs;
    while (log.nextStart < times.length && times[log.nextStart] < this.node.now) {
      log.nextStart++;
      this.missed.add();
    }
    this.scheduleList();
    if (this.arrivals.sagasPerSec > 0) this.schedulePoisson();
  }

  onTimer(tag: number): boolean {
    if (tag === this.listTag) {
      const log = this.log();
      const times = this.arrivals.startAtUs;
      while (log.nextStart < times.length && times[log.nextStart] <= this.node.now) {
        log.nextStart++;
        this.tryBegin();
      }
      this.scheduleList();
      return true;
    }
    if (tag === this.poissonTag) {
      this.tryBegin();
      this.schedulePoisson();
      return true;
    }
    return false;
  }

  private tryBegin(): void {
    const log = this.log();
    const a = this.arrivals;
    if (a.stopUs !== null && this.node.now >= a.stopUs) return;
    if (a.maxSagas !== null && log.started >= a.maxSagas) return;
    log.started++;
    this.begin();
  }

  private scheduleList(): void {
    const log = this.log();
    const times = this.arrivals.startAtUs;
    if (log.nextStart < times.length) this.node.setTimer(Math.max(0, times[log.nextStart] - this.node.now), this.listTag);
  }

  private schedulePoisson(): void {
    const a = this.arrivals;
    if (a.stopUs !== null && this.node.now >= a.stopUs) return;
    this.node.setTimer(Math.max(1, Math.round(this.node.rng.exponential(1e6 / a.sagasPerSec))), this.poissonTag);
  }
}

/** What a coordinator measures; reported as `<id>.<field>`. */
export function sagaMetrics() {
  return {
    'sagas.started': new Counter(),
    'sagas.completed': new Counter(),
    'sagas.compensated': new Counter(),
    /** Sagas that have not ended: at the end of a run, the stuck ones. */
    'sagas.running': new Gauge(),
    /** Start times that passed while the coordinator was down. */
    'sagas.missedStarts': new Counter(),
    compensations: new Counter(),
    compensationsPerSaga: new Histogram(),
    /** From a saga's start to its end (completed or compensated). */
    pendingMs: durationHistogram(),
    stepRetries: new Counter(),
    stepTimeouts: new Counter(),
    compensationRetries: new Counter(),
    /** Sagas resumed from the log after a crash. */
    recoveries: new Counter(),
  };
}

export type SagaMetrics = ReturnType<typeof sagaMetrics>;

// ---------------------------------------------------------------------------------------------
// The orchestrator
// ---------------------------------------------------------------------------------------------

export interface OrchestratorStep {
  service: number;
  serviceName: string;
  type: StepType;
  amount: number;
  amountMax?: number;
}

export interface SagaOrchestratorParams {
  steps: readonly OrchestratorStep[];
  arrivals: SagaArrivals;
  stepTimeoutUs: Micros;
  stepRetries: number;
  retryBackoffUs: Micros;
  maxBackoffUs: Micros;
  semanticLock: boolean;
}

/** One saga in the log. */
export interface SagaEntry {
  id: string;
  startedAt: Micros;
  amounts: number[];
  picks: number[];
  phase: 'forward' | 'compensating' | 'settling';
  /** forward: the step in progress (0-based). */
  step: number;
  /** compensating: the steps to compensate (0-based), in order, and the position in it. */
  plan: number[];
  planPos: number;
  /** settling: steps not yet settled (0-based). */
  settle: number[];
  /** Sends of the current action (for giving up and backoff). */
  tries: number;
  /** Bumped at every transition: a timer for an older attempt is stale. */
  attempt: number;
  compensations: number;
}

export interface SagaLog extends ArrivalLog {
  sagas: Record<string, SagaEntry>;
}

const TIMER_LIST = 0;
const TIMER_POISSON = 1;
const TIMER_TIMEOUT = 2;
const TIMER_RETRY = 3;

interface AttemptRef {
  id: string;
  attempt: number;
}

export class SagaOrchestrator extends SimNode {
  readonly metrics: SagaMetrics;
  private readonly arrivals: ArrivalDriver;
  /** The answer being handled: what the requests it leads to were caused by (for the space-time diagram). */
  private cause = NO_PARENT;

  constructor(world: World, index: number, name: string, readonly params: SagaOrchestratorParams) {
    super(world, index, name, 'saga-orchestrator');
    this.metrics = world.sim.metrics.group(name, sagaMetrics());
    this.arrivals = new ArrivalDriver(this, params.arrivals, () => this.log(), TIMER_LIST, TIMER_POISSON, () => this.begin(), this.metrics['sagas.missedStarts']);
  }

  /** The saga log, on disk. (A test overrides it with a volatile one to show why it must not be.) */
  protected log(): SagaLog {
    return (this.durable.sagaLog ??= { nextId: 1, nextStart: 0, started: 0, sagas: {} }) as SagaLog;
  }

  /**
   * The steps to compensate after step `failed` (0-based) failed, in order: the step itself if
   * it may have been applied, then the completed steps, last first.
   */
  protected compensationPlan(failed: number, includeFailed: boolean): number[] {
    const plan: number[] = [];
    for (let k = includeFailed ? failed : failed - 1; k >= 0; k--) plan.push(k);
    return plan;
  }

  override start(): void {
    const sagas = Object.values(this.log().sagas);
    this.metrics['sagas.running'].set(this.now, sagas.filter((e) => e.phase !== 'settling').length);
    // Recovery: resume every saga the log holds where it stood.
    for (const e of sagas) {
      this.metrics.recoveries.add();
      e.attempt++;
      e.tries++;
      this.recordRetry(e);
      this.sendCurrent(e);
    }
    this.arrivals.start();
  }

  override onTimer(tag: number, data: unknown): void {
    if (this.arrivals.onTimer(tag)) return;
    const ref = data as AttemptRef;
    const e = this.log().sagas[ref.id];
    if (e === undefined || e.attempt !== ref.attempt) return; // answered, or moved on, meanwhile
    if (tag === TIMER_TIMEOUT) {
      if (e.phase === 'forward') this.metrics.stepTimeouts.add();
      this.notNow(e);
    } else if (tag === TIMER_RETRY) {
      e.tries++;
      if (e.phase === 'forward') this.metrics.stepRetries.add();
      else if (e.phase === 'compensating') this.metrics.compensationRetries.add();
      this.recordRetry(e);
      this.sendCurrent(e);
    }
  }

  override onMessage(msg: Message): void {
    if (msg.type !== DATA_RESULT) return;
    const r = msg.payload as DataResult;
    const slash = r.key.lastIndexOf('/');
    const e = this.log().sagas[r.key.slice(0, slash)];
    if (e === undefined) return; // a late answer for a saga that has ended
    this.cause = msg.id;
    if (e.phase === 'forward' && r.key === stepKey(e.id, 'T', e.step + 1)) this.onStepResult(e, r);
    else if (e.phase === 'compensating' && r.key === stepKey(e.id, 'C', e.plan[e.planPos] + 1)) this.onCompensationResult(e, r);
    else if (e.phase === 'settling') this.onSettleResult(e, r);
    this.cause = NO_PARENT;
  }

  // ---- the saga's life ---------------------------------------------------------------------

  private begin(): void {
    const log = this.log();
    const id = `${this.name}-${log.nextId++}`;
    const { amounts, picks } = drawOrder(this.rng, this.params.steps);
    const e: SagaEntry = {
      id, startedAt: this.now, amounts, picks, phase: 'forward', step: 0, plan: [], planPos: 0, settle: [], tries: 1, attempt: 1, compensations: 0,
    };
    log.sagas[id] = e; // logged before anything is sent
    this.metrics['sagas.started'].add();
    this.metrics['sagas.running'].add(this.now, 1);
    this.record(e, 'T1:started');
    this.sendCurrent(e);
  }

  private onStepResult(e: SagaEntry, r: DataResult): void {
    const k = e.step;
    const type = this.params.steps[k].type;
    if (r.outcome === 'ok') {
      this.record(e, `T${k + 1}:succeeded`);
      if (k + 1 === this.params.steps.length) return this.complete(e);
      e.step++;
      this.transition(e);
      this.record(e, `T${k + 2}:started`);
      this.sendCurrent(e);
    } else if (r.outcome === 'no' && type !== 'retriable') {
      this.record(e, `T${k + 1}:failed`);
      this.beginCompensation(e, k, false);
    } else {
      this.notNow(e);
    }
  }

  /** No definite answer (a timeout, a transient refusal): send again later, or give up. */
  private notNow(e: SagaEntry): void {
    if (e.phase === 'forward' && this.params.steps[e.step].type === 'compensatable' && e.tries > this.params.stepRetries) {
      this.record(e, `T${e.step + 1}:timed-out`);
      this.beginCompensation(e, e.step, true);
      return;
    }
    e.attempt++;
    const backoff = Math.min(this.params.maxBackoffUs, this.params.retryBackoffUs * 2 ** Math.min(30, e.tries - 1));
    this.setTimer(backoff, TIMER_RETRY, { id: e.id, attempt: e.attempt } satisfies AttemptRef);
  }

  private beginCompensation(e: SagaEntry, failed: number, includeFailed: boolean): void {
    e.phase = 'compensating';
    e.plan = this.compensationPlan(failed, includeFailed);
    e.planPos = 0;
    this.transition(e);
    this.nextCompensation(e);
  }

  private nextCompensation(e: SagaEntry): void {
    if (e.planPos >= e.plan.length) return this.end(e, 'compensated');
    this.record(e, `C${e.plan[e.planPos] + 1}:compensating`);
    this.sendCurrent(e);
  }

  private onCompensationResult(e: SagaEntry, r: DataResult): void {
    if (r.outcome !== 'ok') return this.notNow(e);
    this.record(e, `C${e.plan[e.planPos] + 1}:compensated`);
    e.compensations++;
    this.metrics.compensations.add();
    e.planPos++;
    this.transition(e);
    this.nextCompensation(e);
  }

  private complete(e: SagaEntry): void {
    e.phase = 'settling';
    e.settle = this.params.steps.map((_, i) => i);
    this.transition(e);
    this.end(e, 'completed');
    this.sendCurrent(e);
  }

  private onSettleResult(e: SagaEntry, r: DataResult): void {
    if (r.outcome !== 'ok') return;
    const i = e.settle.findIndex((k) => stepKey(e.id, 'S', k + 1) === r.key);
    if (i < 0) return;
    e.settle.splice(i, 1);
    if (e.settle.length > 0) return;
    this.record(e, 'settled');
    delete this.log().sagas[e.id];
  }

  private end(e: SagaEntry, how: 'completed' | 'compensated'): void {
    this.record(e, how);
    this.metrics[how === 'completed' ? 'sagas.completed' : 'sagas.compensated'].add();
    this.metrics['sagas.running'].add(this.now, -1);
    this.metrics.pendingMs.record(this.now - e.startedAt);
    this.metrics.compensationsPerSaga.record(e.compensations);
    if (how === 'compensated') delete this.log().sagas[e.id];
  }

  /** A new action: a fresh attempt and try count. */
  private transition(e: SagaEntry): void {
    e.attempt++;
    e.tries = 1;
  }

  // ---- messages ----------------------------------------------------------------------------

  private sendCurrent(e: SagaEntry): void {
    if (e.phase === 'settling') {
      for (const k of e.settle) this.sendRequest(e, 'settle', k);
    } else if (e.phase === 'compensating') {
      this.sendRequest(e, 'undo', e.plan[e.planPos]);
    } else {
      this.sendRequest(e, 'do', e.step);
    }
    this.setTimer(this.params.stepTimeoutUs, TIMER_TIMEOUT, { id: e.id, attempt: e.attempt } satisfies AttemptRef);
  }

  private sendRequest(e: SagaEntry, op: DataRequest['op'], k: number): void {
    const step = this.params.steps[k];
    const letter = op === 'do' ? 'T' : op === 'undo' ? 'C' : 'S';
    const req: DataRequest = {
      key: stepKey(e.id, letter, k + 1),
      saga: e.id,
      step: k + 1,
      op,
      amount: e.amounts[k],
      pick: e.picks[k],
      lock: this.params.semanticLock,
      retriable: step.type === 'retriable',
    };
    this.send(step.service, DATA_REQUEST, req, this.cause);
  }

  /** A re-send of the step or compensation in progress, with the same key (settles are not saga steps). */
  private recordRetry(e: SagaEntry): void {
    if (e.phase === 'forward') this.record(e, `T${e.step + 1}:retry`);
    else if (e.phase === 'compensating') this.record(e, `C${e.plan[e.planPos] + 1}:retry`);
  }

  private record(e: SagaEntry, value: string): void {
    this.state(`saga.${e.id}`, value);
  }
}

// ---------------------------------------------------------------------------------------------
// The node kind
// ---------------------------------------------------------------------------------------------

export function orchestratorParams(spec: SagaOrchestratorSpec, resolve: (id: string) => number): SagaOrchestratorParams {
  return {
    steps: spec.steps.map((s) => ({ service: resolve(s.service), serviceName: s.service, type: s.type, amount: s.amount, amountMax: s.amountMax })),
    arrivals: sagaArrivals(spec),
    stepTimeoutUs: msToUs(spec.stepTimeoutMs),
    stepRetries: spec.stepRetries,
    retryBackoffUs: msToUs(spec.retryBackoffMs),
    maxBackoffUs: msToUs(spec.maxBackoffMs),
    semanticLock: spec.semanticLock,
  };
}

/** The checkers every orchestrator brings. */
export function orchestratorInvariants(spec: SagaOrchestratorSpec, nodes: readonly { id: string; kind: string }[]) {
  const steps: SagaStepDef[] = spec.steps.map((s) => ({ service: s.service, type: s.type }));
  const wrong = spec.steps.find((s) => nodes.find((n) => n.id === s.service)?.kind !== 'data-service');
  const problem = wrong === undefined ? null : `step service ${wrong.service} is not a data-service node`;
  const flow = new SagaFlowInvariant(spec.id, steps, problem);
  const out: { name: string; invariant: SagaFlowInvariant | SagaLiveness }[] = [{ name: flow.describe(), invariant: flow }];
  if (spec.livenessBoundMs !== null) {
    const liveness = new SagaLiveness(spec.id, msToUs(spec.livenessBoundMs));
    out.push({ name: liveness.describe(), invariant: liveness });
  }
  return out;
}

export const SAGA_ORCHESTRATOR_KIND: NodeKind<SagaOrchestratorSpec> = {
  create: (world, index, spec, resolve) => new SagaOrchestrator(world, index, spec.id, orchestratorParams(spec, resolve)),
  invariants: orchestratorInvariants,
};
