import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, Violation } from './invariants.ts';

/**
 * Saga checkers, rebuilt from trace records alone (never from the nodes' own state):
 *
 * - `SagaFlowInvariant` (one per orchestrator or saga starter): every saga's steps follow the
 *   saga state machine, every saga that ends is fully applied (`completed` only when every step
 *   succeeded) or fully compensated (`compensated` only when every step that was, or may have
 *   been, applied was compensated), and compensations run in reverse order of the completed
 *   steps. Each outcome a coordinator reports is checked against the data services' own `tx`
 *   records: a step reported succeeded must have been applied there, a compensation reported
 *   done must have been committed there, and a saga reported compensated must have nothing
 *   left applied.
 * - `SagaLedgerInvariant` (one per data service): conservation of money and stock — the
 *   levels rebuilt from the initial levels and the committed transactions agree with what the
 *   service reports, nothing is overdrawn, no step is applied twice (idempotency), nothing is
 *   applied after its own compensation, and a saga that ended compensated leaves nothing held.
 *   So balances + charged-and-not-refunded = the initial total at every step, and once every
 *   saga has ended what is still held belongs to completed sagas only.
 * - `SagaLiveness` (optional): every saga ends within a bound after it started.
 *
 * Record vocabulary (state records):
 * - `saga.<id>` = `T<k>:started` | `T<k>:retry` | `T<k>:succeeded` | `T<k>:failed` (a NO:
 *   not applied) | `T<k>:timed-out` (gave up without a definite answer: may have been applied,
 *   so it is compensated too) | `C<k>:compensating` | `C<k>:retry` | `C<k>:compensated` |
 *   `completed` | `compensated` | `settled` (after completed: the pending marks are released).
 *   Saga ids are `<coordinator>-<n>`.
 * - `tx` on a data service = `<saga>/<T|C|S><k> <op> …`: `apply [<res> -<amount> =<level>]`,
 *   `undo [<res> +<amount> =<level>]`, `tombstone`, `noop`, `settle`, `refuse <why>`,
 *   `busy <why>`, `replay <outcome>`.
 */

export type SagaStepType = 'compensatable' | 'pivot' | 'retriable';

export interface SagaStepDef {
  /** The data service that runs the step. */
  service: string;
  type: SagaStepType;
}

type Outcome = 'succeeded' | 'failed' | 'timed-out';
type Phase = 'forward' | 'compensating' | 'completed' | 'compensated';
type EndPhase = 'completed' | 'compensated';

interface SagaTrack {
  id: string;
  startedAt: number;
  phase: Phase;
  /** The step in progress or last finished (1-based); 0 before any. */
  current: number;
  /** Outcome per step (index = step). */
  outcome: (Outcome | null)[];
  /** Compensations expected, in order. */
  plan: number[];
  planPos: number;
  /** The compensation in progress (0: none). */
  compActive: number;
  /** Steps whose do key a service applied; steps whose undo a service committed. */
  applied: Set<number>;
  undone: Set<number>;
  /** Compensation keys a service committed (undo, tombstone, noop). */
  compCommitted: Set<number>;
  last: string;
  lastT: number;
}

/**
 * A saga that has ended: all a later record about it is checked against (a record after the
 * end is a violation, except `settled` after `completed`). Sagas move here from the working set
 * when they end, so the checker's memory per saga shrinks to this once it is over.
 */
interface EndedSaga {
  readonly phase: EndPhase;
  /** The step it was at when it ended. */
  readonly current: number;
  last: string;
  lastT: number;
}

export interface SagaFlowSummary {
  started: number;
  completed: number;
  compensated: number;
  /** Sagas that had not ended when the trace stopped. */
  running: string[];
}

const SAGA_KEY = 'saga.';
const STEP_VALUE = /^([TC])(\d+):([a-z-]+)$/;

/** Parses a `tx` record's value: key, op and the rest. */
function parseTx(value: string): { key: string; saga: string; letter: string; step: number; op: string; rest: string[] } | null {
  const parts = value.split(' ');
  if (parts.length < 2) return null;
  const key = parts[0];
  const slash = key.lastIndexOf('/');
  if (slash <= 0) return null;
  const letter = key[slash + 1];
  const step = Number(key.slice(slash + 2));
  if (!Number.isInteger(step)) return null;
  return { key, saga: key.slice(0, slash), letter, step, op: parts[1], rest: parts.slice(2) };
}

export class SagaFlowInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  /** The sagas still running, step by step: the working set. */
  private readonly sagas = new Map<string, SagaTrack>();
  private readonly ended = new Map<string, EndedSaga>();
  private readonly prefix: string;
  private readonly services: Set<string>;
  private counts = { started: 0, completed: 0, compensated: 0 };

  constructor(
    /** The orchestrator or starter whose sagas (ids `<owner>-<n>`) this checks. */
    readonly owner: string,
    readonly steps: readonly SagaStepDef[],
    /** A configuration problem found while building the checker: reported at the first record. */
    private readonly configProblem: string | null = null,
  ) {
    this.prefix = `${SAGA_KEY}${owner}-`;
    this.services = new Set(steps.map((s) => s.service));
  }

  describe = () => `${this.owner}: every saga ends fully applied or fully compensated, compensations in reverse order`;
  readonly kinds = ['state'] as const;

  summary(): SagaFlowSummary {
    return { ...this.counts, running: [...this.sagas.keys()] };
  }

  /** Sagas tracked step by step (the running ones; a saga leaves when it ends). */
  get workingSet(): number {
    return this.sagas.size;
  }

  onRecord(r: TraceRecord): void {
    if (r.k !== 'state') return;
    if (this.configProblem !== null && this.violation === null) this.fail(r, this.configProblem);
    const key = r.key as string;
    if (key === 'tx') {
      if (this.services.has(r.node)) this.onTx(r);
    } else if (key.startsWith(this.prefix)) {
      this.examined++;
      this.onSaga(r, key.slice(SAGA_KEY.length), r.value as string);
    }
  }

  private fail(r: TraceRecord, detail: string): void {
    if (this.violation === null) this.violation = { t: r.t, node: r.node, detail };
  }

  private onTx(r: TraceRecord): void {
    const tx = parseTx(r.value as string);
    if (tx === null || !tx.saga.startsWith(`${this.owner}-`)) return;
    const running = this.sagas.get(tx.saga);
    const phase = running?.phase ?? this.ended.get(tx.saga)?.phase;
    if (phase === undefined) return;
    // Only the service that runs step k counts for step k.
    if (this.steps[tx.step - 1]?.service !== r.node) return;
    // What a service did for a saga that has ended no longer changes its verdict, except this.
    if (tx.letter === 'T' && tx.op === 'apply') {
      running?.applied.add(tx.step);
      if (phase === 'compensated') this.fail(r, `${tx.key} applied at ${r.node} after saga ${tx.saga} ended compensated`);
    } else if (running !== undefined && tx.letter === 'C' && (tx.op === 'undo' || tx.op === 'tombstone' || tx.op === 'noop')) {
      running.compCommitted.add(tx.step);
      if (tx.op === 'undo') running.undone.add(tx.step);
    }
  }

  private onSaga(r: TraceRecord, id: string, value: string): void {
    const ended = this.ended.get(id);
    if (ended !== undefined) return this.onEnded(r, id, value, ended);
    let s = this.sagas.get(id);
    if (s === undefined) {
      if (value !== 'T1:started') return this.fail(r, `saga ${id} first appears with "${value}", expected "T1:started"`);
      s = {
        id, startedAt: r.t, phase: 'forward', current: 0, outcome: new Array<Outcome | null>(this.steps.length + 1).fill(null),
        plan: [], planPos: 0, compActive: 0, applied: new Set(), undone: new Set(), compCommitted: new Set(), last: '', lastT: r.t,
      };
      this.sagas.set(id, s);
      this.counts.started++;
    }
    const problem = this.transition(s, value);
    if (problem !== null) this.fail(r, `saga ${id}: "${value}" ${problem}${s.last === '' ? '' : ` (after "${s.last}" at t=${s.lastT / 1000} ms)`}`);
    s.last = value;
    s.lastT = r.t;
    if (s.phase === 'completed' || s.phase === 'compensated') {
      this.sagas.delete(id);
      this.ended.set(id, { phase: s.phase, current: s.current, last: s.last, lastT: s.lastT });
    }
  }

  /** A record about a saga that has ended: only `settled` after `completed` is expected. */
  private onEnded(r: TraceRecord, id: string, value: string, s: EndedSaga): void {
    const problem = this.afterEnd(s, value);
    if (problem !== null) this.fail(r, `saga ${id}: "${value}" ${problem} (after "${s.last}" at t=${s.lastT / 1000} ms)`);
    s.last = value;
    s.lastT = r.t;
  }

  private afterEnd(s: EndedSaga, value: string): string | null {
    if (value === 'settled') return s.phase === 'completed' ? null : 'but the saga has not completed';
    if (value === 'completed') return `but not every step succeeded (at step ${s.current}, phase ${s.phase})`;
    if (value === 'compensated') return `but the saga is already ${s.phase}`;
    const step = this.parseStep(value);
    return typeof step === 'string' ? step : `after the saga ended ${s.phase} (was its log lost?)`;
  }

  /** A step record's parts (`T3:started`), or what is wrong with it. */
  private parseStep(value: string): { letter: string; k: number; event: string } | string {
    const m = STEP_VALUE.exec(value);
    if (m === null) return 'is not a saga record';
    const k = Number(m[2]);
    if (k < 1 || k > this.steps.length) return `names a step outside 1…${this.steps.length}`;
    return { letter: m[1], k, event: m[3] };
  }

  /** Applies one record to a running saga; returns what is wrong with it, or null. */
  private transition(s: SagaTrack, value: string): string | null {
    const n = this.steps.length;
    if (value === 'completed') {
      if (s.phase !== 'forward' || s.current !== n || s.outcome[n] !== 'succeeded') return `but not every step succeeded (at step ${s.current}, phase ${s.phase})`;
      for (let k = 1; k <= n; k++) {
        if (!s.applied.has(k)) return `but ${this.steps[k - 1].service} never applied T${k}`;
        if (s.undone.has(k)) return `but T${k} was undone at ${this.steps[k - 1].service}`;
      }
      s.phase = 'completed';
      this.counts.completed++;
      return null;
    }
    if (value === 'compensated') {
      if (s.phase !== 'compensating') return 'but the saga is still running forward';
      if (s.compActive !== 0) return `while C${s.compActive} is still in progress`;
      if (s.planPos < s.plan.length) return `but C${s.plan[s.planPos]} never ran (compensations left: ${s.plan.slice(s.planPos).map((k) => `C${k}`).join(', ')})`;
      for (const k of s.applied) {
        if (!s.undone.has(k)) return `but T${k} is still applied at ${this.steps[k - 1].service} (never undone)`;
      }
      s.phase = 'compensated';
      this.counts.compensated++;
      return null;
    }
    if (value === 'settled') return 'but the saga has not completed';
    const step = this.parseStep(value);
    if (typeof step === 'string') return step;
    const { k, event } = step;
    const type = this.steps[k - 1].type;
    if (step.letter === 'T') {
      if (s.phase !== 'forward') return 'while the saga is compensating';
      switch (event) {
        case 'started':
          if (k !== s.current + 1) return s.current === 0 ? 'but T1 must come first' : `but the saga is at T${s.current}`;
          if (k > 1 && s.outcome[k - 1] !== 'succeeded') return `before T${k - 1} succeeded`;
          s.current = k;
          return null;
        case 'retry':
          return k === s.current && s.outcome[k] === null ? null : `but T${k} is not in progress`;
        case 'succeeded':
        case 'failed':
        case 'timed-out': {
          if (k !== s.current || s.outcome[k] !== null) return `but T${k} is not in progress`;
          if (event === 'succeeded') {
            if (!s.applied.has(k)) return `but ${this.steps[k - 1].service} never applied it`;
            s.outcome[k] = 'succeeded';
            return null;
          }
          if (type === 'retriable') return 'but a retriable step (after the pivot) must be retried until it succeeds';
          if (event === 'timed-out' && type === 'pivot') return 'but the pivot cannot be compensated: it must be retried until a definite answer';
          if (event === 'failed' && s.applied.has(k)) return `but ${this.steps[k - 1].service} applied it`;
          s.outcome[k] = event;
          // A step that may have been applied is compensated too; then the completed ones, last first.
          s.plan = [];
          for (let j = event === 'timed-out' ? k : k - 1; j >= 1; j--) s.plan.push(j);
          s.planPos = 0;
          s.phase = 'compensating';
          return null;
        }
        default:
          return 'is not a step event';
      }
    }
    if (s.phase !== 'compensating') return 'but nothing failed: there is nothing to compensate';
    switch (event) {
      case 'compensating': {
        if (s.compActive !== 0) return `while C${s.compActive} is still in progress`;
        const expected = s.plan[s.planPos];
        if (expected === undefined) return 'but every compensation has already run';
        if (k !== expected) {
          return `out of order: expected C${expected} (compensations run in reverse order of the completed steps: ${s.plan.map((j) => `C${j}`).join(', ')})`;
        }
        s.compActive = k;
        return null;
      }
      case 'retry':
        return s.compActive === k ? null : `but C${k} is not in progress`;
      case 'compensated':
        if (s.compActive !== k) return `but C${k} is not in progress`;
        if (!s.compCommitted.has(k)) return `but ${this.steps[k - 1].service} never committed C${k}`;
        if (s.applied.has(k) && !s.undone.has(k)) return `but T${k} is still applied at ${this.steps[k - 1].service}`;
        s.compActive = 0;
        s.planPos++;
        return null;
      default:
        return 'is not a compensation event';
    }
  }
}

interface LedgerHold {
  saga: string;
  res: string;
  amount: number;
  t: number;
}

export interface LedgerTotals {
  initial: number;
  levels: number;
  /** Held by sagas that completed / are still running. */
  heldCompleted: number;
  heldRunning: number;
}

/**
 * Conservation at one data service, from its `tx` records and the sagas' end records.
 */
export class SagaLedgerInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly levels = new Map<string, number>();
  /** Every step applied and not undone, by its do key (looked up, never scanned while running). */
  private readonly holds = new Map<string, LedgerHold>();
  /**
   * The do keys held for each saga that has not ended, in the order applied: the working set
   * a compensated end is checked against. A saga leaves it when it ends, so the check costs
   * what the saga holds, not what every saga before it left held.
   */
  private readonly heldByRunning = new Map<string, Set<string>>();
  private readonly everApplied = new Map<string, number>();
  private readonly tombstones = new Set<string>();
  private readonly ended = new Map<string, 'completed' | 'compensated'>();
  private readonly initialTotal: number;

  constructor(
    readonly service: string,
    readonly operation: 'record' | 'debit',
    initial: Readonly<Record<string, number>>,
  ) {
    let total = 0;
    for (const [res, level] of Object.entries(initial)) {
      this.levels.set(res, level);
      total += level;
    }
    this.initialTotal = total;
  }

  describe = () => this.operation === 'debit'
    ? `${this.service}: conservation (levels + held = initial), nothing applied twice, compensated sagas leave nothing held`
    : `${this.service}: nothing applied twice, compensated sagas leave nothing behind`;
  readonly kinds = ['state'] as const;

  totals(): LedgerTotals {
    let levels = 0;
    for (const v of this.levels.values()) levels += v;
    let heldCompleted = 0;
    let heldRunning = 0;
    for (const h of this.holds.values()) {
      if (this.ended.get(h.saga) === 'completed') heldCompleted += h.amount;
      else heldRunning += h.amount;
    }
    return { initial: this.initialTotal, levels, heldCompleted, heldRunning };
  }

  /** Levels per resource, rebuilt from the trace. */
  levelsNow(): Record<string, number> {
    return Object.fromEntries(this.levels);
  }

  /** Sagas not yet ended that hold something here (a saga leaves when it ends). */
  get workingSet(): number {
    return this.heldByRunning.size;
  }

  onRecord(r: TraceRecord): void {
    if (r.k !== 'state') return;
    const key = r.key as string;
    if (key === 'tx') {
      if (r.node === this.service) this.onTx(r);
    } else if (key.startsWith(SAGA_KEY)) {
      const value = r.value as string;
      if (value === 'completed' || value === 'compensated') this.onEnd(r, key.slice(SAGA_KEY.length), value);
    }
  }

  private fail(r: TraceRecord, detail: string): void {
    if (this.violation === null) this.violation = { t: r.t, node: r.node, detail };
  }

  private onEnd(r: TraceRecord, saga: string, how: 'completed' | 'compensated'): void {
    const endedBefore = this.ended.has(saga);
    this.ended.set(saga, how);
    const held = this.heldByRunning.get(saga);
    this.heldByRunning.delete(saga);
    if (how !== 'compensated') return;
    // A saga ending for the second time (itself a violation) may hold what it took after its
    // first end, which only the full table knows.
    const key = endedBefore ? this.firstHeldBy(saga) : held?.values().next().value;
    if (key === undefined) return;
    const h = this.holds.get(key)!;
    const what = this.operation === 'debit' ? `${h.amount} of ${h.res}` : 'its record';
    this.fail(r, `saga ${saga} ended compensated but ${this.service} still holds ${what} from ${key} (applied at t=${h.t / 1000} ms, never undone)`);
  }

  private firstHeldBy(saga: string): string | undefined {
    for (const [key, h] of this.holds) if (h.saga === saga) return key;
    return undefined;
  }

  private onTx(r: TraceRecord): void {
    const tx = parseTx(r.value as string);
    if (tx === null) return;
    this.examined++;
    const doKey = `${tx.saga}/T${tx.step}`;
    switch (tx.op) {
      case 'apply': {
        const first = this.everApplied.get(tx.key);
        if (first !== undefined) return this.fail(r, `${tx.key} applied twice at ${this.service} (first at t=${first / 1000} ms): a repeated request was not recognised`);
        if (this.tombstones.has(tx.key)) return this.fail(r, `${tx.key} applied at ${this.service} after its compensation left a tombstone`);
        if (this.ended.get(tx.saga) === 'compensated') return this.fail(r, `${tx.key} applied at ${this.service} after saga ${tx.saga} ended compensated`);
        this.everApplied.set(tx.key, r.t);
        const change = this.change(r, tx.rest, -1);
        if (change === null) return;
        this.holds.set(tx.key, { saga: tx.saga, res: change.res, amount: change.amount, t: r.t });
        if (!this.ended.has(tx.saga)) this.heldByRunning.set(tx.saga, (this.heldByRunning.get(tx.saga) ?? new Set()).add(tx.key));
        return;
      }
      case 'undo': {
        const hold = this.holds.get(doKey);
        if (hold === undefined) return this.fail(r, `${tx.key} undid ${doKey} at ${this.service}, which holds nothing for it`);
        if (this.ended.get(tx.saga) === 'completed') return this.fail(r, `${tx.key} undid a step of saga ${tx.saga}, which had completed`);
        const change = this.change(r, tx.rest, +1);
        if (change === null) return;
        if (change.res !== hold.res || change.amount !== hold.amount) {
          return this.fail(r, `${tx.key} put back ${change.amount} of ${change.res}, but ${doKey} took ${hold.amount} of ${hold.res}`);
        }
        this.holds.delete(doKey);
        this.releaseRunning(tx.saga, doKey);
        return;
      }
      case 'tombstone':
        if (this.everApplied.has(doKey)) return this.fail(r, `${tx.key} left a tombstone for ${doKey}, which was applied (it should have been undone)`);
        this.tombstones.add(doKey);
        return;
      default:
        return;
    }
  }

  private releaseRunning(saga: string, doKey: string): void {
    const held = this.heldByRunning.get(saga);
    if (held === undefined) return;
    held.delete(doKey);
    if (held.size === 0) this.heldByRunning.delete(saga);
  }

  /** Applies a debit's `<res> ∓<amount> =<level>`; checks the level and the service's own figure. */
  private change(r: TraceRecord, rest: string[], sign: 1 | -1): { res: string; amount: number } | null {
    if (this.operation === 'record') return { res: '', amount: 0 };
    const [res, delta, stated] = rest;
    const amount = Math.abs(Number(delta));
    const before = this.levels.get(res);
    if (before === undefined || !Number.isFinite(amount)) {
      this.fail(r, `${this.service} changed an unknown resource "${res}"`);
      return null;
    }
    const after = before + sign * amount;
    this.levels.set(res, after);
    if (after < 0) {
      this.fail(r, `${res} at ${this.service} overdrawn: ${before} - ${amount} = ${after}`);
      return null;
    }
    const reported = Number((stated ?? '').slice(1));
    if (reported !== after) {
      this.fail(r, `${this.service} reports ${res} = ${reported}, but its transactions since the start give ${after}`);
      return null;
    }
    return { res, amount };
  }
}

/** Every saga of `owner` ends within `boundUs` of its start (checked as the trace advances). */
export class SagaLiveness implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly running = new Map<string, { t: number; last: string }>();
  private readonly prefix: string;

  constructor(readonly owner: string, readonly boundUs: number) {
    this.prefix = `${SAGA_KEY}${owner}-`;
  }

  describe = () => `${this.owner}: every saga finishes within ${this.boundUs / 1000} ms`;
  readonly unit = 'finished sagas';

  /** At the end of the run, a saga still running past its bound is stuck even if the trace went quiet. */
  finish(endUs: number): void {
    if (this.violation === null) this.checkDeadline(endUs);
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    this.checkDeadline(r.t);
    if (r.k !== 'state') return;
    const key = r.key as string;
    if (!key.startsWith(this.prefix)) return;
    const id = key.slice(SAGA_KEY.length);
    const value = r.value as string;
    if (value === 'completed' || value === 'compensated') {
      if (this.running.delete(id)) this.examined++;
    } else if (value !== 'settled') {
      const s = this.running.get(id);
      if (s === undefined) this.running.set(id, { t: r.t, last: value });
      else s.last = value;
    }
  }

  /** The oldest running saga started first, so it alone can be overdue first. */
  private checkDeadline(now: number): void {
    for (const [id, s] of this.running) {
      if (now > s.t + this.boundUs) {
        this.violation = {
          t: s.t + this.boundUs,
          node: this.owner,
          detail: `saga ${id} (started at t=${s.t / 1000} ms) had not finished ${this.boundUs / 1000} ms later (last: "${s.last}")`,
        };
      }
      return;
    }
  }
}
