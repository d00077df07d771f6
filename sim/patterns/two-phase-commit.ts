import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { Histogram } from '../engine/histogram.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import { twoPhaseCommitInvariants, TXN_KEY_PREFIX } from '../check/atomicity.ts';
import { NO_PARENT, type Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import { LockWaitQueue } from './lock-wait-queue.ts';
import type { TwoPcCoordinatorSpec, TwoPcParticipantSpec } from './two-phase-commit.schema.ts';

// The schema and defaults live apart (the page validates scenarios without this file); engine
// code and tests keep importing them from here.

/**
 * Two-phase commit with presumed abort: a coordinator node kind (`2pc-coordinator`) that
 * starts transactions and decides them, and a participant node kind (`2pc-participant`) with
 * a lock table and a durable log.
 *
 * Coordinator: INIT → WAIT (PREPARE sent to every participant) → COMMIT | ABORT → END.
 * - It commits only if every participant votes YES. Before any COMMIT message leaves, the
 *   COMMIT record is forced to its log (`logWriteMs`); the record is the commit point. It then
 *   sends COMMIT and waits for an ACK from every participant (resending COMMIT to the silent
 *   ones every `decisionResendMs`); with all ACKs in, it forgets the transaction (END).
 * - A NO vote, or votes missing after `voteTimeoutMs`, abort the transaction: ABORT goes to
 *   every participant that did not vote NO, and the coordinator forgets it at once —
 *   presumed abort: no log record and no ACKs for aborts.
 * - Asked about a transaction (a participant's `decisionRequest`), it answers COMMIT if its
 *   log holds a COMMIT record, nothing while the transaction is still undecided, and ABORT
 *   otherwise — a transaction it knows nothing about was aborted, or never decided before a
 *   crash (the presumption). Votes arriving after the decision are ignored.
 * - Durable: the COMMIT records (the decision log) and the transaction-id counter. After a
 *   crash, `start()` reloads the log and resends COMMIT for every transaction still in it.
 *   Transactions that were in WAIT (or whose COMMIT record was still being written) are
 *   gone; their participants learn ABORT when they ask.
 * - Arrivals: Poisson at `transactionsPerSec` from `startMs` to `stopMs`, plus one
 *   transaction at each of `transactionTimesMs`. A crashed coordinator starts nothing; after a
 *   restart, arrivals resume (listed times that passed while it was down are skipped).
 * - Each transaction involves every listed participant and locks `keysPerTransaction`
 *   distinct keys at each, drawn uniformly from 1…`keySpace` (the coordinator's stream).
 *
 * Participant: INIT → PREPARED (PREPARED record forced, locks held, YES sent) → COMMIT | ABORT.
 * - On PREPARE it first votes NO with probability `voteNoProbability` (a constraint or
 *   integrity check that fails), then takes its locks — all of them or none. On a conflict it
 *   waits (`lockConflict: "wait"`, the default: the PREPARE queues until the keys are free;
 *   a waiting transaction holds nothing, so there is no deadlock among waiters, and the
 *   coordinator's vote timeout bounds the wait) or votes NO at once (`"no-wait"`). With the
 *   locks it forces its PREPARED record (`logWriteMs`) and votes YES.
 * - A prepared participant may not decide on its own. If no decision comes within
 *   `inquiryIntervalMs` it is IN DOUBT: it asks the coordinator (`decisionRequest`) every
 *   `inquiryIntervalMs`, holding its locks, until it learns the outcome.
 * - `cooperativeTermination`: an in-doubt participant also asks its peers (the PREPARE names
 *   them). A peer that knows the outcome answers it; a peer that is itself prepared cannot
 *   help and stays silent; a peer that has not voted (never saw the PREPARE, waits for its
 *   locks, or is still writing its PREPARED record) aborts unilaterally — durably, so it will
 *   vote NO if the PREPARE comes later — and answers ABORT.
 * - On COMMIT it records the commit, releases its locks and sends ACK; on ABORT it releases
 *   its locks (no ACK). Decisions are idempotent: a repeated COMMIT from the coordinator gets
 *   a repeated ACK; a repeated PREPARE gets the same vote again.
 * - Durable: one record per transaction it voted on or decided (PREPARED, COMMITTED,
 *   ABORTED), kept for the run, so it can always answer a peer truthfully. After a crash,
 *   `start()` takes the locks of every PREPARED transaction again, re-enters IN DOUBT and
 *   asks at once. The lock table, the lock queue and unfinished PREPARED writes are volatile.
 *
 * Blocking. If the coordinator crashes after the YES votes, before any participant learns the
 * decision, the participants stay in doubt with their locks held until it is back. With a
 * crash while the COMMIT record is being written, nothing is on the log, so the recovered
 * coordinator cannot reach out: participants learn ABORT at their first `decisionRequest`
 * after the restart. Their in-doubt time is therefore the coordinator's downtime plus at most
 * one inquiry interval (plus the round trips and the forced write around the crash). If the
 * COMMIT record made it to the log, recovery resends COMMIT at once, and the participants
 * unblock exactly one network latency after the restart.
 *
 * Trace: state records under `txn.<id>` (see sim/check/atomicity.ts): at the coordinator
 * WAIT, COMMIT, ABORT, END; at a participant WAITING, PREPARED, NO, IN_DOUBT, COMMIT, ABORT.
 * Message types: 2pc.prepare, 2pc.vote-yes, 2pc.vote-no, 2pc.commit, 2pc.abort, 2pc.ack,
 * 2pc.decisionRequest (to the coordinator), 2pc.peerRequest (to a peer); an answer to
 * either request is a 2pc.commit or 2pc.abort.
 *
 * Metrics (per node `<id>.…`; `2pc.…` summed over every 2PC node of the run):
 * - coordinator: started, committed, aborted, abortedByVote, abortedByTimeout, decisionMs,
 *   messagesPerCommit (every 2PC message of a committed transaction, by anyone, from its
 *   PREPAREs to the last ACK: exactly 4n with n participants when nothing goes wrong),
 *   messagesPerAbort (up to the ABORTs), decisionResends, inquiriesAnswered, lostInCrash,
 *   recovered;
 * - participant: prepares, prepared, votedNo, committed, aborted, unilateralAborts,
 *   lockConflicts, lockWaitMs, lockHoldMs, inDoubtMs (from its YES vote to learning the
 *   outcome), inquiries, locksHeld and inDoubt (gauges), unexpectedCommits (a COMMIT for a
 *   transaction it never voted on: stays 0 in a correct run);
 * - 2pc.committed, 2pc.aborted, 2pc.messages, 2pc.inDoubtMs, 2pc.lockHoldMs.
 *
 * Invariants (checked over the trace in every run with a coordinator): atomicity, a
 * participant commits only after voting YES, the coordinator commits only after every YES.
 */

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

export const MSG = {
  prepare: '2pc.prepare',
  voteYes: '2pc.vote-yes',
  voteNo: '2pc.vote-no',
  commit: '2pc.commit',
  abort: '2pc.abort',
  ack: '2pc.ack',
  decisionRequest: '2pc.decisionRequest',
  peerRequest: '2pc.peerRequest',
} as const;

interface TxnPayload {
  readonly txn: string;
}

interface PreparePayload extends TxnPayload {
  /** The keys this participant locks. */
  readonly keys: readonly number[];
  /** Every participant of the transaction (node indexes), for cooperative termination. */
  readonly participants: readonly number[];
}

const txnKey = (txn: string) => `${TXN_KEY_PREFIX}${txn}`;

/** Counts every 2PC message per transaction, for `messagesPerCommit`/`messagesPerAbort`. */
class MessageLedger {
  private readonly open = new Map<string, number>();
  readonly total: Counter;

  constructor(world: World) {
    this.total = world.sim.metrics.counter('2pc.messages');
  }

  begin(txn: string): void {
    this.open.set(txn, 0);
  }

  count(txn: string): void {
    this.total.add();
    const c = this.open.get(txn);
    if (c !== undefined) this.open.set(txn, c + 1);
  }

  close(txn: string): number {
    const c = this.open.get(txn) ?? 0;
    this.open.delete(txn);
    return c;
  }
}

/** One ledger per world: message accounting, not node state (it survives crashes). */
const ledgers = new WeakMap<World, MessageLedger>();

function ledgerOf(world: World): MessageLedger {
  let ledger = ledgers.get(world);
  if (ledger === undefined) {
    ledger = new MessageLedger(world);
    ledgers.set(world, ledger);
  }
  return ledger;
}

/** Run-wide 2PC metrics, shared by every coordinator and participant. */
function sharedMetrics(world: World) {
  const m = world.sim.metrics;
  return {
    committed: m.counter('2pc.committed'),
    aborted: m.counter('2pc.aborted'),
    inDoubtMs: m.durationHistogram('2pc.inDoubtMs'),
    lockHoldMs: m.durationHistogram('2pc.lockHoldMs'),
  };
}

abstract class TwoPcNode extends SimNode {
  protected readonly ledger: MessageLedger;
  protected readonly shared: ReturnType<typeof sharedMetrics>;

  constructor(world: World, index: number, name: string, kind: string) {
    super(world, index, name, kind);
    this.ledger = ledgerOf(world);
    this.shared = sharedMetrics(world);
  }

  protected send2pc(to: number, type: string, payload: TxnPayload, parent = NO_PARENT): Message {
    this.ledger.count(payload.txn);
    return this.send(to, type, payload, parent);
  }
}

// ---------------------------------------------------------------------------------------------
// Coordinator
// ---------------------------------------------------------------------------------------------

/** Bugs planted by tests to show the checkers catch them. Not part of the scenario format. */
export type PlantedBug = 'commit-without-all-yes' | 'volatile-log';

export interface CoordinatorParams {
  /** Node indexes. */
  participants: readonly number[];
  transactionsPerSec: number;
  transactionTimesUs: readonly Micros[];
  startUs: Micros;
  stopUs: Micros | null;
  keysPerTransaction: number;
  keySpace: number;
  voteTimeoutUs: Micros;
  decisionResendUs: Micros;
  logWriteUs: Micros;
  bug?: PlantedBug;
}

export function coordinatorParams(spec: TwoPcCoordinatorSpec, resolve: (id: string) => number): CoordinatorParams {
  return {
    participants: spec.participants.map(resolve),
    transactionsPerSec: spec.transactionsPerSec,
    transactionTimesUs: [...spec.transactionTimesMs].sort((a, b) => a - b).map(msToUs),
    startUs: msToUs(spec.startMs),
    stopUs: spec.stopMs === null ? null : msToUs(spec.stopMs),
    keysPerTransaction: spec.keysPerTransaction,
    keySpace: spec.keySpace,
    voteTimeoutUs: msToUs(spec.voteTimeoutMs),
    decisionResendUs: msToUs(spec.decisionResendMs),
    logWriteUs: msToUs(spec.logWriteMs),
  };
}

const C_ARRIVAL = 0;
const C_SCHEDULED = 1;
const C_VOTE_TIMEOUT = 2;
const C_LOG_WRITE = 3;
const C_RESEND = 4;
const COORDINATOR_TIMERS = ['arrival', 'scheduled-arrival', 'vote-timeout', 'log-write', 'resend-decision'] as const;

/** A COMMIT record on the coordinator's log. */
interface CommitRecord {
  readonly startedAt: Micros;
}

interface CoordinatorTxn {
  readonly id: string;
  readonly key: string;
  phase: 'wait' | 'writing' | 'commit';
  /** Per participant position: 0 no vote yet, 1 YES, -1 NO. */
  readonly votes: Int8Array;
  yes: number;
  /** The message that completed the votes (the decision's cause, for the space-time diagram). */
  cause: number;
  pendingAcks: Set<number> | null;
  readonly startedAt: Micros;
}

function coordinatorMetrics() {
  return {
    started: new Counter(),
    committed: new Counter(),
    aborted: new Counter(),
    abortedByVote: new Counter(),
    abortedByTimeout: new Counter(),
    /** From the PREPAREs to the decision (for a commit: once its record is on the log). */
    decisionMs: durationHistogram(),
    messagesPerCommit: new Histogram(),
    messagesPerAbort: new Histogram(),
    decisionResends: new Counter(),
    inquiriesAnswered: new Counter(),
    /** Undecided transactions forgotten in a crash (their participants will learn ABORT). */
    lostInCrash: new Counter(),
    /** Logged commits picked up again by recovery. */
    recovered: new Counter(),
  };
}

export class TwoPcCoordinator extends TwoPcNode {
  private readonly m: ReturnType<typeof coordinatorMetrics>;
  private readonly positionOf = new Map<number, number>();
  private txns = new Map<string, CoordinatorTxn>();
  private log = new Map<string, CommitRecord>();

  constructor(world: World, index: number, name: string, readonly params: CoordinatorParams) {
    super(world, index, name, '2pc-coordinator');
    this.m = world.sim.metrics.group(name, coordinatorMetrics());
    params.participants.forEach((p, i) => this.positionOf.set(p, i));
  }

  override timerNames(): readonly string[] {
    return COORDINATOR_TIMERS;
  }

  override start(): void {
    this.txns = new Map();
    if (this.params.bug === 'volatile-log') this.log = new Map();
    else this.log = (this.durable.log ??= new Map<string, CommitRecord>()) as Map<string, CommitRecord>;
    this.durable.nextTxn ??= 1;
    for (const [id, record] of this.log) this.recover(id, record);
    this.scheduleArrivals();
  }

  override onCrash(): void {
    for (const t of this.txns.values()) {
      if (t.phase === 'commit' && this.params.bug !== 'volatile-log') continue;
      this.ledger.close(t.id);
      if (t.phase !== 'commit') this.m.lostInCrash.add();
    }
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case MSG.voteYes:
        return this.onVote(msg, true);
      case MSG.voteNo:
        return this.onVote(msg, false);
      case MSG.ack:
        return this.onAck(msg);
      case MSG.decisionRequest:
        return this.answer(msg);
    }
  }

  override onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case C_ARRIVAL:
        this.begin();
        return this.scheduleNextArrival(this.now);
      case C_SCHEDULED:
        return this.begin();
      case C_VOTE_TIMEOUT: {
        const t = this.txns.get(data as string);
        if (t?.phase === 'wait') this.abort(t, NO_PARENT, this.m.abortedByTimeout);
        return;
      }
      case C_LOG_WRITE: {
        const t = this.txns.get(data as string);
        if (t?.phase === 'writing') this.commit(t);
        return;
      }
      case C_RESEND: {
        const t = this.txns.get(data as string);
        if (t?.phase !== 'commit' || t.pendingAcks === null || t.pendingAcks.size === 0) return;
        for (const p of t.pendingAcks) this.send2pc(p, MSG.commit, { txn: t.id });
        this.m.decisionResends.add();
        this.setTimer(this.params.decisionResendUs, C_RESEND, t.id);
        return;
      }
    }
  }

  /** Transactions in progress (for views and tests). */
  get active(): number {
    return this.txns.size;
  }

  /** Transactions whose COMMIT record is on the log (for tests). */
  get logged(): readonly string[] {
    return [...this.log.keys()];
  }

  private scheduleArrivals(): void {
    const now = this.now;
    for (const at of this.params.transactionTimesUs) if (at >= now) this.setTimer(at - now, C_SCHEDULED);
    if (this.params.transactionsPerSec > 0) this.scheduleNextArrival(Math.max(now, this.params.startUs));
  }

  private scheduleNextArrival(from: Micros): void {
    const at = from + Math.round(this.rng.exponential(1e6 / this.params.transactionsPerSec));
    if (this.params.stopUs !== null && at >= this.params.stopUs) return;
    this.setTimer(at - this.now, C_ARRIVAL);
  }

  private begin(): void {
    const p = this.params;
    const seq = this.durable.nextTxn as number;
    this.durable.nextTxn = seq + 1;
    const id = `${this.name}:${seq}`;
    const t: CoordinatorTxn = {
      id,
      key: txnKey(id),
      phase: 'wait',
      votes: new Int8Array(p.participants.length),
      yes: 0,
      cause: NO_PARENT,
      pendingAcks: null,
      startedAt: this.now,
    };
    this.txns.set(id, t);
    this.ledger.begin(id);
    this.m.started.add();
    this.state(t.key, 'WAIT');
    for (const participant of p.participants) {
      const payload: PreparePayload = { txn: id, keys: this.drawKeys(), participants: p.participants };
      this.send2pc(participant, MSG.prepare, payload);
    }
    this.setTimer(p.voteTimeoutUs, C_VOTE_TIMEOUT, id);
  }

  /** `keysPerTransaction` distinct keys from 1…keySpace, ascending. */
  private drawKeys(): number[] {
    const { keysPerTransaction: k, keySpace } = this.params;
    if (k === 1) return [1 + this.rng.int(keySpace)];
    const keys = new Set<number>();
    while (keys.size < k) keys.add(1 + this.rng.int(keySpace));
    return [...keys].sort((a, b) => a - b);
  }

  private onVote(msg: Message, yes: boolean): void {
    const id = (msg.payload as TxnPayload).txn;
    const position = this.positionOf.get(msg.from);
    if (position === undefined) return;
    const t = this.txns.get(id);
    // A vote after the decision (or a repeated one) changes nothing. A late YES voter will
    // hear the ABORT sent to it, or ask for the outcome.
    if (t === undefined || t.phase !== 'wait' || t.votes[position] !== 0) return;
    const counted = yes || this.params.bug === 'commit-without-all-yes';
    t.votes[position] = counted ? 1 : -1;
    if (!counted) return this.abort(t, msg.id, this.m.abortedByVote);
    if (++t.yes < t.votes.length) return;
    t.cause = msg.id;
    t.phase = 'writing';
    if (this.params.logWriteUs > 0) this.setTimer(this.params.logWriteUs, C_LOG_WRITE, id);
    else this.commit(t);
  }

  /** The COMMIT record is on the log: the transaction is committed. Tell everyone. */
  private commit(t: CoordinatorTxn): void {
    this.log.set(t.id, { startedAt: t.startedAt });
    t.phase = 'commit';
    t.pendingAcks = new Set(this.params.participants);
    this.state(t.key, 'COMMIT');
    this.m.committed.add();
    this.shared.committed.add();
    this.m.decisionMs.record(this.now - t.startedAt);
    for (const p of this.params.participants) this.send2pc(p, MSG.commit, { txn: t.id }, t.cause);
    this.setTimer(this.params.decisionResendUs, C_RESEND, t.id);
  }

  /** Presumed abort: nothing logged, no ACKs awaited; the transaction is forgotten at once. */
  private abort(t: CoordinatorTxn, cause: number, reason: Counter): void {
    this.txns.delete(t.id);
    this.state(t.key, 'ABORT');
    this.m.aborted.add();
    this.shared.aborted.add();
    reason.add();
    this.m.decisionMs.record(this.now - t.startedAt);
    this.params.participants.forEach((p, i) => {
      if (t.votes[i] !== -1) this.send2pc(p, MSG.abort, { txn: t.id }, cause);
    });
    this.m.messagesPerAbort.record(this.ledger.close(t.id));
  }

  private onAck(msg: Message): void {
    const t = this.txns.get((msg.payload as TxnPayload).txn);
    if (t?.phase !== 'commit' || t.pendingAcks === null) return;
    t.pendingAcks.delete(msg.from);
    if (t.pendingAcks.size > 0) return;
    this.log.delete(t.id);
    this.txns.delete(t.id);
    this.state(t.key, 'END');
    this.m.messagesPerCommit.record(this.ledger.close(t.id));
  }

  /** What a participant asking about a transaction is told: COMMIT, ABORT, or (undecided) nothing. */
  private answer(msg: Message): void {
    const id = (msg.payload as TxnPayload).txn;
    if (this.log.has(id)) this.send2pc(msg.from, MSG.commit, { txn: id }, msg.id);
    else if (this.txns.has(id)) return;
    else this.send2pc(msg.from, MSG.abort, { txn: id }, msg.id);
    this.m.inquiriesAnswered.add();
  }

  /** A logged commit found at restart: ask every participant to commit (again). */
  private recover(id: string, record: CommitRecord): void {
    const t: CoordinatorTxn = {
      id,
      key: txnKey(id),
      phase: 'commit',
      votes: new Int8Array(this.params.participants.length).fill(1),
      yes: this.params.participants.length,
      cause: NO_PARENT,
      pendingAcks: new Set(this.params.participants),
      startedAt: record.startedAt,
    };
    this.txns.set(id, t);
    this.m.recovered.add();
    for (const p of this.params.participants) this.send2pc(p, MSG.commit, { txn: id });
    this.setTimer(this.params.decisionResendUs, C_RESEND, id);
  }
}

// ---------------------------------------------------------------------------------------------
// Participant
// ---------------------------------------------------------------------------------------------

export interface ParticipantParams {
  voteNoProbability: number;
  lockConflict: 'wait' | 'no-wait';
  inquiryIntervalUs: Micros;
  cooperativeTermination: boolean;
  logWriteUs: Micros;
}

export function participantParams(spec: TwoPcParticipantSpec): ParticipantParams {
  return {
    voteNoProbability: spec.voteNoProbability,
    lockConflict: spec.lockConflict,
    inquiryIntervalUs: msToUs(spec.inquiryIntervalMs),
    cooperativeTermination: spec.cooperativeTermination,
    logWriteUs: msToUs(spec.logWriteMs),
  };
}

const P_PREPARE_WRITE = 0;
const P_INQUIRY = 1;
const PARTICIPANT_TIMERS = ['prepare-write', 'inquiry'] as const;
const NO_NUMBERS: readonly number[] = Object.freeze([]);

/** A participant's log record of one transaction. */
interface ParticipantRecord {
  readonly status: 'prepared' | 'committed' | 'aborted';
  /** The coordinator's node index (-1 if unknown: aborted before any PREPARE arrived). */
  readonly coordinator: number;
  readonly peers: readonly number[];
  readonly keys: readonly number[];
  readonly lockedAt: Micros;
  readonly preparedAt: Micros;
}

/** A transaction that has not voted yet: queued for its locks, or writing its PREPARED record. */
interface Unvoted {
  readonly txn: string;
  readonly key: string;
  readonly coordinator: number;
  readonly peers: readonly number[];
  readonly keys: readonly number[];
  readonly prepareMsg: number;
  readonly since: Micros;
  lockedAt: Micros;
}

function participantMetrics() {
  return {
    prepares: new Counter(),
    prepared: new Counter(),
    votedNo: new Counter(),
    committed: new Counter(),
    aborted: new Counter(),
    /** Aborted without a vote, to answer an in-doubt peer. */
    unilateralAborts: new Counter(),
    lockConflicts: new Counter(),
    lockWaitMs: durationHistogram(),
    lockHoldMs: durationHistogram(),
    /** From voting YES to learning the outcome: the blocked time. */
    inDoubtMs: durationHistogram(),
    inquiries: new Counter(),
    locksHeld: new Gauge(),
    inDoubt: new Gauge(),
    /** A COMMIT for a transaction it never voted on: impossible in a correct run. */
    unexpectedCommits: new Counter(),
  };
}

export class TwoPcParticipant extends TwoPcNode {
  private readonly m: ReturnType<typeof participantMetrics>;
  private records = new Map<string, ParticipantRecord>();
  /** Key → the transaction holding it. */
  private locks = new Map<number, string>();
  private queue = new LockWaitQueue<Unvoted>();
  private writing = new Map<string, Unvoted>();
  /** Transactions already marked IN_DOUBT in this incarnation. */
  private asking = new Set<string>();
  private undecided = 0;

  constructor(world: World, index: number, name: string, readonly params: ParticipantParams) {
    super(world, index, name, '2pc-participant');
    this.m = world.sim.metrics.group(name, participantMetrics());
  }

  override timerNames(): readonly string[] {
    return PARTICIPANT_TIMERS;
  }

  override start(): void {
    this.records = (this.durable.records ??= new Map<string, ParticipantRecord>()) as Map<string, ParticipantRecord>;
    this.locks = new Map();
    this.queue = new LockWaitQueue();
    this.writing = new Map();
    this.asking = new Set();
    const inDoubt: [string, ParticipantRecord][] = [];
    for (const [id, rec] of this.records) {
      if (rec.status !== 'prepared') continue;
      for (const k of rec.keys) this.locks.set(k, id);
      inDoubt.push([id, rec]);
    }
    this.undecided = inDoubt.length;
    this.m.locksHeld.set(this.now, this.locks.size);
    this.m.inDoubt.set(this.now, this.undecided);
    for (const [id, rec] of inDoubt) {
      this.inquire(id, rec);
      this.setTimer(this.params.inquiryIntervalUs, P_INQUIRY, id);
    }
  }

  override onCrash(): void {
    this.m.locksHeld.set(this.now, 0);
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case MSG.prepare:
        return this.onPrepare(msg);
      case MSG.commit:
        return this.onDecision(msg, true);
      case MSG.abort:
        return this.onDecision(msg, false);
      case MSG.peerRequest:
        return this.onPeerRequest(msg);
    }
  }

  override onTimer(tag: number, data: unknown): void {
    const id = data as string;
    if (tag === P_PREPARE_WRITE) {
      const u = this.writing.get(id);
      if (u === undefined) return;
      this.writing.delete(id);
      this.prepared(u);
    } else if (tag === P_INQUIRY) {
      const rec = this.records.get(id);
      if (rec?.status !== 'prepared') return;
      this.inquire(id, rec);
      this.setTimer(this.params.inquiryIntervalUs, P_INQUIRY, id);
    }
  }

  /** Keys locked now (for views and tests). */
  get lockedKeys(): number {
    return this.locks.size;
  }

  /** The log's status of a transaction (for tests). */
  txnStatus(txn: string): ParticipantRecord['status'] | undefined {
    return this.records.get(txn)?.status;
  }

  private onPrepare(msg: Message): void {
    const p = msg.payload as PreparePayload;
    const id = p.txn;
    const rec = this.records.get(id);
    if (rec !== undefined) {
      // A repeated PREPARE (a duplicate): the same vote again, unless the outcome is known.
      if (rec.status !== 'committed') this.send2pc(msg.from, rec.status === 'aborted' ? MSG.voteNo : MSG.voteYes, { txn: id }, msg.id);
      return;
    }
    if (this.writing.has(id) || this.queue.has(id)) return;
    this.m.prepares.add();
    const u: Unvoted = { txn: id, key: txnKey(id), coordinator: msg.from, peers: p.participants, keys: p.keys, prepareMsg: msg.id, since: this.now, lockedAt: -1 };
    if (this.rng.bernoulli(this.params.voteNoProbability)) return this.voteNo(u);
    if (this.free(u.keys)) return this.lock(u);
    this.m.lockConflicts.add();
    if (this.params.lockConflict === 'no-wait') return this.voteNo(u);
    this.queue.push(u);
    this.state(u.key, 'WAITING');
  }

  private voteNo(u: Unvoted): void {
    this.records.set(u.txn, abortedRecord(u.coordinator));
    this.state(u.key, 'NO');
    this.m.votedNo.add();
    this.send2pc(u.coordinator, MSG.voteNo, { txn: u.txn }, u.prepareMsg);
  }

  private free(keys: readonly number[]): boolean {
    for (const k of keys) if (this.locks.has(k)) return false;
    return true;
  }

  private lock(u: Unvoted): void {
    for (const k of u.keys) this.locks.set(k, u.txn);
    u.lockedAt = this.now;
    this.m.locksHeld.set(this.now, this.locks.size);
    if (this.params.logWriteUs > 0) {
      this.writing.set(u.txn, u);
      this.setTimer(this.params.logWriteUs, P_PREPARE_WRITE, u.txn);
    } else {
      this.prepared(u);
    }
  }

  /** The PREPARED record is on the log: vote YES, and from now on wait for the outcome. */
  private prepared(u: Unvoted): void {
    this.records.set(u.txn, { status: 'prepared', coordinator: u.coordinator, peers: u.peers, keys: u.keys, lockedAt: u.lockedAt, preparedAt: this.now });
    this.state(u.key, 'PREPARED');
    this.m.prepared.add();
    this.m.inDoubt.set(this.now, ++this.undecided);
    this.send2pc(u.coordinator, MSG.voteYes, { txn: u.txn }, u.prepareMsg);
    this.setTimer(this.params.inquiryIntervalUs, P_INQUIRY, u.txn);
  }

  private onDecision(msg: Message, commit: boolean): void {
    const id = (msg.payload as TxnPayload).txn;
    const rec = this.records.get(id);
    if (rec === undefined) {
      // Not voted yet: an ABORT ends the wait (a COMMIT cannot be meant for us).
      if (!commit) this.abortUnvoted(id);
      else this.m.unexpectedCommits.add();
      return;
    }
    if (rec.status === 'prepared') return this.decide(id, rec, commit, msg.id);
    // Already decided. A repeated COMMIT from the coordinator means our ACK was lost. (An
    // ABORT after a commit is the coordinator's presumption about a transaction it has
    // forgotten after every ACK came in, answering a duplicated vote: nothing to do.)
    if (commit && rec.status === 'committed' && msg.from === rec.coordinator) this.send2pc(rec.coordinator, MSG.ack, { txn: id }, msg.id);
  }

  /** The outcome of a prepared transaction is known: apply it and release the locks. */
  private decide(id: string, rec: ParticipantRecord, commit: boolean, cause: number): void {
    const now = this.now;
    this.records.set(id, { status: commit ? 'committed' : 'aborted', coordinator: rec.coordinator, peers: NO_NUMBERS, keys: NO_NUMBERS, lockedAt: rec.lockedAt, preparedAt: rec.preparedAt });
    this.state(txnKey(id), commit ? 'COMMIT' : 'ABORT');
    this.asking.delete(id);
    this.m.inDoubt.set(now, --this.undecided);
    this.m.inDoubtMs.record(now - rec.preparedAt);
    this.shared.inDoubtMs.record(now - rec.preparedAt);
    if (commit) {
      this.m.committed.add();
      this.send2pc(rec.coordinator, MSG.ack, { txn: id }, cause);
    } else {
      this.m.aborted.add();
    }
    this.release(id, rec.keys, rec.lockedAt);
  }

  /**
   * Aborts a transaction this participant has not voted on (queued or writing its record).
   * Returns false if there is none such.
   */
  private abortUnvoted(id: string): boolean {
    let u = this.writing.get(id);
    if (u !== undefined) {
      this.writing.delete(id);
    } else {
      u = this.queue.remove(id);
      if (u === undefined) return false;
    }
    this.records.set(id, abortedRecord(u.coordinator));
    this.state(u.key, 'ABORT');
    this.m.aborted.add();
    if (u.lockedAt >= 0) this.release(id, u.keys, u.lockedAt);
    return true;
  }

  private release(id: string, keys: readonly number[], lockedAt: Micros): void {
    for (const k of keys) if (this.locks.get(k) === id) this.locks.delete(k);
    this.m.lockHoldMs.record(this.now - lockedAt);
    this.shared.lockHoldMs.record(this.now - lockedAt);
    this.m.locksHeld.set(this.now, this.locks.size);
    this.grantWaiting(keys);
  }

  /**
   * Gives freed keys to queued transactions, oldest first, each taking all its keys or none
   * (only those queued on a freed key can have become grantable: see LockWaitQueue).
   */
  private grantWaiting(freed: readonly number[]): void {
    this.queue.forEachCandidate(freed, (k) => !this.locks.has(k), (u) => {
      if (!this.free(u.keys)) return;
      this.queue.remove(u.txn);
      this.m.lockWaitMs.record(this.now - u.since);
      this.lock(u);
    });
  }

  /** In doubt: ask the coordinator, and with cooperative termination the peers too. */
  private inquire(id: string, rec: ParticipantRecord): void {
    if (!this.asking.has(id)) {
      this.asking.add(id);
      this.state(txnKey(id), 'IN_DOUBT');
    }
    this.m.inquiries.add();
    this.send2pc(rec.coordinator, MSG.decisionRequest, { txn: id });
    if (!this.params.cooperativeTermination) return;
    for (const peer of rec.peers) if (peer !== this.index) this.send2pc(peer, MSG.peerRequest, { txn: id });
  }

  /** A peer in doubt asks: tell it what we know; if we have not voted, abort and say so. */
  private onPeerRequest(msg: Message): void {
    const id = (msg.payload as TxnPayload).txn;
    const rec = this.records.get(id);
    if (rec?.status === 'prepared') return; // in doubt ourselves: cannot help
    if (rec === undefined) {
      if (!this.abortUnvoted(id)) {
        this.records.set(id, abortedRecord(-1));
        this.state(txnKey(id), 'ABORT');
        this.m.aborted.add();
      }
      this.m.unilateralAborts.add();
    }
    const committed = this.records.get(id)!.status === 'committed';
    this.send2pc(msg.from, committed ? MSG.commit : MSG.abort, { txn: id }, msg.id);
  }
}

function abortedRecord(coordinator: number): ParticipantRecord {
  return { status: 'aborted', coordinator, peers: NO_NUMBERS, keys: NO_NUMBERS, lockedAt: -1, preparedAt: -1 };
}

// ---------------------------------------------------------------------------------------------
// Node kinds
// ---------------------------------------------------------------------------------------------

export const TWO_PC_COORDINATOR_KIND: NodeKind<TwoPcCoordinatorSpec> = {
  create: (world, index, spec, resolve) => new TwoPcCoordinator(world, index, spec.id, coordinatorParams(spec, resolve)),
  invariants: (spec) => twoPhaseCommitInvariants({ coordinator: spec.id, participants: spec.participants }),
};

export const TWO_PC_PARTICIPANT_KIND: NodeKind<TwoPcParticipantSpec> = {
  create: (world, index, spec) => new TwoPcParticipant(world, index, spec.id, participantParams(spec)),
};
