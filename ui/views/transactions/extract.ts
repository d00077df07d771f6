/**
 * Transactions rebuilt from the recorded trace, for the transaction timeline view: sagas and
 * two-phase commits as lanes of phase segments, each with the record that opened it.
 *
 * The engine publishes a transaction's progress as `state` records (see
 * sim/check/saga-checks.ts and sim/check/atomicity.ts for the vocabulary):
 * - `saga.<id>` = `T<k>:started|retry|succeeded|failed|timed-out`,
 *   `C<k>:compensating|retry|compensated`, `completed`, `compensated`, `settled` — from the
 *   orchestrator, or (choreography) from the service that runs each step;
 * - `txn.<coordinator>:<n>` = `WAIT`, `COMMIT`, `ABORT`, `END` at the coordinator, and
 *   `WAITING`, `PREPARED`, `NO`, `IN_DOUBT`, `COMMIT`, `ABORT` at each participant;
 * - `status` = `crashed` | `restarting` | `paused` | `up` on any node (its health).
 *
 * The index is built from the whole recording once, incrementally as records stream in
 * (`transactionIndex(store)` continues where it stopped, and starts over when a what-if
 * branch truncated the store), and then *read at a cursor*: a segment is shown only from its
 * start up to the cursor, its outcome only once the cursor passed its end. So the view is a
 * pure function of (store, cursor), and dragging the cursor back makes later phases vanish.
 */
import { FIELDS } from '../../trace/codec.ts';
import type { TraceStore } from '../../trace/store.ts';

/** Spans of time in a lane. */
export type SegmentKind =
  // saga
  | 'step' // T<k>: a forward step in progress
  | 'compensation' // C<k>: undoing a step
  | 'settling' // after `completed`: releasing the PENDING marks
  // 2PC coordinator
  | 'voting' // WAIT: PREPARE sent, collecting votes
  | 'committing' // COMMIT decided (on the log), waiting for every ACK
  // 2PC participant
  | 'lock-wait' // WAITING for its locks before it can vote
  | 'blocked' // PREPARED: voted YES, holds its locks, may not decide alone
  | 'in-doubt'; // IN_DOUBT: prepared and asking for the outcome (still blocked)

/** Instants in a lane. */
export type MarkKind = 'retry' | 'failed' | 'completed' | 'compensated' | 'commit' | 'abort' | 'end' | 'vote-no' | 'lost';

export interface Segment {
  kind: SegmentKind;
  /** Short text: `T2`, `C1`, `WAIT`, `PREPARED`… */
  label: string;
  /** For saga steps and compensations: the step number (from 1); else 0. */
  step: number;
  startUs: number;
  /** Infinity while it is still open at the end of the recording. */
  endUs: number;
  /**
   * How it ended (`succeeded`, `failed`, `timed-out`, `compensated`, `settled`, `commit`,
   * `abort`, `end`, `lost`…); '' while open. Known only once the cursor is at or past `endUs`.
   */
  outcome: string;
  /** The record that opened it, and the node that wrote that record. */
  record: number;
  node: number;
}

export interface Mark {
  kind: MarkKind;
  /** What happened, as the record said it (`T2:failed`, `COMMIT`…). */
  label: string;
  t: number;
  record: number;
  node: number;
}

export type LaneRole = 'saga' | 'coordinator' | 'participant';

export interface Lane {
  role: LaneRole;
  /** The node whose records make up the lane (a choreographed saga: the first step's service). */
  node: number;
  firstUs: number;
  firstRecord: number;
  segments: Segment[];
  marks: Mark[];
  /** Participant: when it voted YES (PREPARED), NaN if it never did. */
  blockedFromUs: number;
  /** …and when it learned the outcome; Infinity while still blocked at the end of the recording. */
  blockedUntilUs: number;
}

export type Protocol = 'saga' | '2pc';

export interface Outcome {
  kind: 'completed' | 'compensated' | 'committed' | 'aborted';
  t: number;
}

export interface Transaction {
  protocol: Protocol;
  /** `orch-11`, `coordinator:3`. */
  id: string;
  /** The orchestrator or saga starter (from the saga id), or the 2PC coordinator: a node name. */
  owner: string;
  startUs: number;
  firstRecord: number;
  /** Saga: one lane. 2PC: the coordinator's lane (if it wrote any record) and one per participant, in order of appearance. */
  lanes: Lane[];
  /** The first decision: saga completed/compensated; 2PC the first COMMIT or ABORT/NO anywhere. */
  outcome: Outcome | null;
  /** Time of its last record; Infinity while some lane has an open segment. */
  endUs: number;
}

/** A node's health from its `status` records: down (crashed, restarting, paused) from…until. */
export interface Downtime {
  fromUs: number;
  /** Infinity while still down at the end of the recording. */
  untilUs: number;
  /** `crashed` or `paused`… as the first record said. */
  status: string;
}

/** What a string id (a state key) is, for the scan; 0 (not yet classified) is the array's hole. */
const KEY_SAGA = 1;
const KEY_TXN = 2;
const KEY_STATUS = 3;
const KEY_OTHER = 4;

const SAGA_PREFIX = 'saga.';
const TXN_PREFIX = 'txn.';
const SAGA_STEP = /^([TC])(\d+):([a-z-]+)$/;

interface Internal {
  txn: Transaction;
  /** Per lane: its open segment, or null. */
  open: (Segment | null)[];
  /** Lane index by node (2PC: one lane per node). */
  laneOf: Map<number, number>;
  openCount: number;
  lastUs: number;
}

export class TransactionIndex {
  /** In start order (the order of their first records). */
  readonly transactions: Transaction[] = [];
  /** Per node index. */
  readonly downtime: Downtime[][];
  /** Records [0, scanned) are in the index. */
  scanned = 0;
  private readonly byKey = new Map<number, Internal>();
  private readonly keyClass: number[] = [];
  /** 2PC coordinator lanes voting (open WAIT), by coordinator node: a crash loses them. */
  private readonly voting = new Map<number, Set<Internal>>();

  constructor(private readonly store: TraceStore) {
    this.downtime = Array.from({ length: store.nodeCount }, () => []);
  }

  /** Reads the records that arrived since the last call. */
  update(): void {
    const store = this.store;
    const state = store.code('state');
    if (state < 0) return;
    const keyField = store.field(state, 'key');
    const valueField = store.field(state, 'value');
    const k = store.k;
    const f = store.f;
    for (let i = this.scanned; i < store.count; i++) {
      if (k[i] !== state) continue;
      const keyId = f[i * FIELDS + keyField];
      const cls = (this.keyClass[keyId] ||= classify(store.strings[keyId]));
      if (cls === KEY_OTHER) continue;
      const value = store.strings[f[i * FIELDS + valueField]];
      if (cls === KEY_STATUS) this.onStatus(i, value);
      else this.onTransaction(i, keyId, cls === KEY_SAGA ? 'saga' : '2pc', value);
    }
    this.scanned = store.count;
  }

  private onStatus(i: number, value: string): void {
    const node = this.store.nodeOf(i);
    if (node < 0) return;
    const t = this.store.t[i];
    const spells = this.downtime[node];
    const last = spells[spells.length - 1];
    const down = last !== undefined && last.untilUs === Infinity;
    if (value === 'up') {
      if (down) last.untilUs = t;
    } else if (!down) {
      spells.push({ fromUs: t, untilUs: Infinity, status: value });
    }
    if (value !== 'crashed') return;
    // A coordinator keeps undecided transactions in memory only: a crash while voting loses
    // them (presumed abort). Its participants learn ABORT when they ask after the restart.
    const lost = this.voting.get(node);
    if (lost === undefined) return;
    for (const x of lost) {
      const lane = x.txn.lanes[0];
      this.close(x, 0, t, 'lost');
      lane.marks.push({ kind: 'lost', label: 'coordinator crashed', t, record: i, node });
      this.touch(x, t);
    }
    lost.clear();
  }

  private onTransaction(i: number, keyId: number, protocol: Protocol, value: string): void {
    const store = this.store;
    const t = store.t[i];
    const node = store.nodeOf(i);
    let x = this.byKey.get(keyId);
    if (x === undefined) {
      const key = store.strings[keyId];
      const id = key.slice(protocol === 'saga' ? SAGA_PREFIX.length : TXN_PREFIX.length);
      const txn: Transaction = { protocol, id, owner: ownerOf(protocol, id), startUs: t, firstRecord: i, lanes: [], outcome: null, endUs: t };
      x = { txn, open: [], laneOf: new Map(), openCount: 0, lastUs: t };
      this.byKey.set(keyId, x);
      this.transactions.push(txn);
    }
    if (protocol === 'saga') this.onSaga(x, i, t, node, value);
    else this.onTwoPc(x, i, t, node, value);
    this.touch(x, t);
  }

  // ---- sagas -------------------------------------------------------------------------------

  private onSaga(x: Internal, i: number, t: number, node: number, value: string): void {
    const lane = this.sagaLane(x, node, i, t);
    const txn = x.txn;
    const step = SAGA_STEP.exec(value);
    if (step !== null) {
      const letter = step[1];
      const k = Number(step[2]);
      const what = step[3];
      if (letter === 'T') {
        if (what === 'started') this.openSegment(x, 0, 'step', `T${k}`, k, t, i, node);
        else if (what === 'retry') {
          if (x.open[0] === null) this.openSegment(x, 0, 'step', `T${k}`, k, t, i, node);
          lane.marks.push({ kind: 'retry', label: value, t, record: i, node });
        } else {
          // succeeded, failed (a NO: not applied), timed-out (gave up: compensated too)
          this.close(x, 0, t, what);
          if (what !== 'succeeded') lane.marks.push({ kind: 'failed', label: value, t, record: i, node });
        }
      } else if (what === 'compensating') {
        this.openSegment(x, 0, 'compensation', `C${k}`, k, t, i, node);
      } else if (what === 'retry') {
        if (x.open[0] === null) this.openSegment(x, 0, 'compensation', `C${k}`, k, t, i, node);
        lane.marks.push({ kind: 'retry', label: value, t, record: i, node });
      } else {
        this.close(x, 0, t, what);
      }
      return;
    }
    if (value === 'completed') {
      this.close(x, 0, t, '');
      lane.marks.push({ kind: 'completed', label: value, t, record: i, node });
      txn.outcome ??= { kind: 'completed', t };
      this.openSegment(x, 0, 'settling', 'settling', 0, t, i, node);
    } else if (value === 'compensated') {
      this.close(x, 0, t, '');
      lane.marks.push({ kind: 'compensated', label: value, t, record: i, node });
      txn.outcome ??= { kind: 'compensated', t };
    } else if (value === 'settled') {
      this.close(x, 0, t, 'settled');
    }
  }

  // ---- two-phase commit --------------------------------------------------------------------

  private onTwoPc(x: Internal, i: number, t: number, node: number, value: string): void {
    const txn = x.txn;
    const isCoordinator = node >= 0 && this.store.setup.nodeNames[node] === txn.owner;
    let li = x.laneOf.get(node);
    if (li === undefined) {
      // The coordinator's lane first, whatever order the records came in.
      li = isCoordinator ? 0 : txn.lanes.length;
      if (isCoordinator && txn.lanes.length > 0) {
        txn.lanes.unshift(newLane('coordinator', node, i, t));
        x.open.unshift(null);
        for (const [n, at] of x.laneOf) x.laneOf.set(n, at + 1);
      } else {
        txn.lanes.push(newLane(isCoordinator ? 'coordinator' : 'participant', node, i, t));
        x.open.push(null);
      }
      x.laneOf.set(node, li);
    }
    const lane = txn.lanes[li];
    if (isCoordinator) this.onCoordinator(x, lane, li, i, t, node, value);
    else this.onParticipant(x, lane, li, i, t, node, value);
  }

  private onCoordinator(x: Internal, lane: Lane, li: number, i: number, t: number, node: number, value: string): void {
    switch (value) {
      case 'WAIT':
        this.openSegment(x, li, 'voting', 'WAIT', 0, t, i, node);
        this.votingAt(node).add(x);
        return;
      case 'COMMIT':
      case 'ABORT': {
        const commit = value === 'COMMIT';
        this.votingAt(node).delete(x);
        this.decision(x, lane, li, i, t, node, commit);
        // Presumed abort: an ABORT is forgotten at once; a COMMIT waits for every ACK.
        if (commit) this.openSegment(x, li, 'committing', 'COMMIT', 0, t, i, node);
        return;
      }
      case 'END':
        this.close(x, li, t, 'end');
        lane.marks.push({ kind: 'end', label: value, t, record: i, node });
        return;
    }
  }

  private onParticipant(x: Internal, lane: Lane, li: number, i: number, t: number, node: number, value: string): void {
    switch (value) {
      case 'WAITING':
        this.openSegment(x, li, 'lock-wait', 'WAITING', 0, t, i, node);
        return;
      case 'PREPARED':
        this.openSegment(x, li, 'blocked', 'PREPARED', 0, t, i, node);
        lane.blockedFromUs = t;
        lane.blockedUntilUs = Infinity;
        return;
      case 'IN_DOUBT':
        // Asked again after a restart: still the same doubt.
        if (x.open[li]?.kind !== 'in-doubt') this.openSegment(x, li, 'in-doubt', 'IN_DOUBT', 0, t, i, node);
        return;
      case 'NO':
        this.close(x, li, t, 'no');
        lane.marks.push({ kind: 'vote-no', label: value, t, record: i, node });
        x.txn.outcome ??= { kind: 'aborted', t };
        return;
      case 'COMMIT':
      case 'ABORT':
        this.decision(x, lane, li, i, t, node, value === 'COMMIT');
        // The blocked time ends when it learns the outcome (the engine's inDoubtMs).
        if (!Number.isNaN(lane.blockedFromUs) && lane.blockedUntilUs === Infinity) lane.blockedUntilUs = t;
        return;
    }
  }

  /** A COMMIT or ABORT at a node: ends its phase, marks it, and is the transaction's outcome if it came first. */
  private decision(x: Internal, lane: Lane, li: number, i: number, t: number, node: number, commit: boolean): void {
    this.close(x, li, t, commit ? 'commit' : 'abort');
    lane.marks.push({ kind: commit ? 'commit' : 'abort', label: commit ? 'COMMIT' : 'ABORT', t, record: i, node });
    x.txn.outcome ??= { kind: commit ? 'committed' : 'aborted', t };
  }

  private votingAt(node: number): Set<Internal> {
    let set = this.voting.get(node);
    if (set === undefined) this.voting.set(node, (set = new Set()));
    return set;
  }

  // ---- lanes and segments ------------------------------------------------------------------

  /** A saga's one lane, made at its first record. */
  private sagaLane(x: Internal, node: number, i: number, t: number): Lane {
    if (x.txn.lanes.length === 0) {
      x.txn.lanes.push(newLane('saga', node, i, t));
      x.open.push(null);
    }
    return x.txn.lanes[0];
  }

  /** Closes the lane's open segment (if any) and opens a new one. */
  private openSegment(x: Internal, li: number, kind: SegmentKind, label: string, step: number, t: number, record: number, node: number): void {
    this.close(x, li, t, '');
    const segment: Segment = { kind, label, step, startUs: t, endUs: Infinity, outcome: '', record, node };
    x.txn.lanes[li].segments.push(segment);
    x.open[li] = segment;
    x.openCount++;
  }

  private close(x: Internal, li: number, t: number, outcome: string): void {
    const open = x.open[li];
    if (open === null || open === undefined) return;
    open.endUs = t;
    open.outcome = outcome;
    x.open[li] = null;
    x.openCount--;
  }

  private touch(x: Internal, t: number): void {
    x.lastUs = Math.max(x.lastUs, t);
    x.txn.endUs = x.openCount > 0 ? Infinity : x.lastUs;
  }
}

function newLane(role: LaneRole, node: number, record: number, t: number): Lane {
  return { role, node, firstUs: t, firstRecord: record, segments: [], marks: [], blockedFromUs: NaN, blockedUntilUs: Infinity };
}

function classify(key: string): number {
  if (key.startsWith(SAGA_PREFIX)) return KEY_SAGA;
  if (key.startsWith(TXN_PREFIX)) return KEY_TXN;
  if (key === 'status') return KEY_STATUS;
  return KEY_OTHER;
}

/** Saga ids are `<coordinator>-<n>`, 2PC ids `<coordinator>:<n>`. */
function ownerOf(protocol: Protocol, id: string): string {
  const at = id.lastIndexOf(protocol === 'saga' ? '-' : ':');
  return at < 0 ? id : id.slice(0, at);
}

// ---------------------------------------------------------------------------------------------
// One index per store, kept up to date
// ---------------------------------------------------------------------------------------------

interface Cached {
  index: TransactionIndex;
  /** The store's message index when this index was started: a truncation replaces it. */
  generation: object;
}

const cache = new WeakMap<TraceStore, Cached>();

/**
 * The store's transactions, brought up to date with its records (only the new ones are read).
 * A what-if branch truncates the store (`truncateAfter`, which rebuilds the store's own indexes,
 * `messages` among them) and re-streams different records: then this starts over.
 */
export function transactionIndex(store: TraceStore): TransactionIndex {
  let cached = cache.get(store);
  if (cached === undefined || cached.generation !== store.messages || cached.index.scanned > store.count) {
    cached = { index: new TransactionIndex(store), generation: store.messages };
    cache.set(store, cached);
  }
  if (cached.index.scanned < store.count) cached.index.update();
  return cached.index;
}

// ---------------------------------------------------------------------------------------------
// Reading the index at a cursor
// ---------------------------------------------------------------------------------------------

/** A segment as it stands at the cursor. */
export interface SegmentAt {
  segment: Segment;
  /** min(end, cursor). */
  endUs: number;
  /** Still going at the cursor (its end and outcome are in the future). */
  open: boolean;
}

/** The lane's segments that had started by the cursor, cut at the cursor. */
export function segmentsAt(lane: Lane, cursorUs: number): SegmentAt[] {
  const out: SegmentAt[] = [];
  for (const segment of lane.segments) {
    if (segment.startUs > cursorUs) break;
    const open = segment.endUs > cursorUs;
    out.push({ segment, endUs: open ? cursorUs : segment.endUs, open });
  }
  return out;
}

export function marksAt(lane: Lane, cursorUs: number): Mark[] {
  const out: Mark[] = [];
  for (const m of lane.marks) {
    if (m.t > cursorUs) break;
    out.push(m);
  }
  return out;
}

/** How long a participant had been blocked (voted YES, outcome unknown) by the cursor; 0 if never. */
export function blockedAt(lane: Lane, cursorUs: number): { us: number; ongoing: boolean } {
  if (Number.isNaN(lane.blockedFromUs) || lane.blockedFromUs > cursorUs) return { us: 0, ongoing: false };
  const ongoing = lane.blockedUntilUs > cursorUs;
  return { us: (ongoing ? cursorUs : lane.blockedUntilUs) - lane.blockedFromUs, ongoing };
}

/** The outcome if it was known by the cursor. */
export function outcomeAt(txn: Transaction, cursorUs: number): Outcome | null {
  return txn.outcome !== null && txn.outcome.t <= cursorUs ? txn.outcome : null;
}

/** The lanes whose first record is at or before the cursor. */
export function lanesAt(txn: Transaction, cursorUs: number): Lane[] {
  return txn.lanes.filter((l) => l.firstUs <= cursorUs);
}

export interface Summary {
  sagas: { started: number; completed: number; compensated: number; running: number };
  twoPc: { started: number; committed: number; aborted: number; running: number; inDoubtNow: number };
  /** The longest blocked time of any 2PC participant so far (an ongoing one counts to the cursor). */
  longestBlocked: { us: number; txn: string; node: number; ongoing: boolean } | null;
}

/** Counts at the cursor. Linear in the number of transactions. */
export function summarize(index: TransactionIndex, cursorUs: number): Summary {
  const s: Summary = {
    sagas: { started: 0, completed: 0, compensated: 0, running: 0 },
    twoPc: { started: 0, committed: 0, aborted: 0, running: 0, inDoubtNow: 0 },
    longestBlocked: null,
  };
  for (const txn of index.transactions) {
    if (txn.startUs > cursorUs) break;
    const outcome = outcomeAt(txn, cursorUs);
    if (txn.protocol === 'saga') {
      s.sagas.started++;
      if (outcome === null) s.sagas.running++;
      else if (outcome.kind === 'completed') s.sagas.completed++;
      else s.sagas.compensated++;
      continue;
    }
    s.twoPc.started++;
    if (outcome === null) s.twoPc.running++;
    else if (outcome.kind === 'committed') s.twoPc.committed++;
    else s.twoPc.aborted++;
    for (const lane of txn.lanes) {
      if (lane.role !== 'participant') continue;
      const blocked = blockedAt(lane, cursorUs);
      if (blocked.us > 0 && (s.longestBlocked === null || blocked.us > s.longestBlocked.us)) {
        s.longestBlocked = { us: blocked.us, txn: txn.id, node: lane.node, ongoing: blocked.ongoing };
      }
      if (blocked.ongoing && inDoubtAt(lane, cursorUs)) s.twoPc.inDoubtNow++;
    }
  }
  return s;
}

function inDoubtAt(lane: Lane, cursorUs: number): boolean {
  for (let j = lane.segments.length - 1; j >= 0; j--) {
    const seg = lane.segments[j];
    if (seg.startUs > cursorUs) continue;
    return seg.kind === 'in-doubt' && seg.endUs > cursorUs;
  }
  return false;
}

export interface Rows {
  /** Newest first, at most `cap`. */
  rows: Transaction[];
  /** How many qualified (before the cap). */
  total: number;
}

/**
 * The transactions to draw at the cursor, newest first: those started by the cursor that were
 * still going at `fromUs` (the left edge of the window; 0 for the whole run).
 */
export function rowsAt(index: TransactionIndex, cursorUs: number, fromUs: number, cap: number): Rows {
  const list = index.transactions;
  const rows: Transaction[] = [];
  let total = 0;
  for (let j = lastStartedBy(list, cursorUs); j >= 0; j--) {
    const txn = list[j];
    if (txn.endUs < fromUs) continue;
    total++;
    if (rows.length < cap) rows.push(txn);
  }
  return { rows, total };
}

/** Index of the last transaction that started at or before tUs (-1 if none). */
function lastStartedBy(list: readonly Transaction[], tUs: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].startUs <= tUs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * A typical transaction's length in the recording: the median duration of those that ended
 * (sampled, so it stays cheap). NaN when none has ended.
 */
export function typicalDurationUs(index: TransactionIndex): number {
  const list = index.transactions;
  const stride = Math.max(1, Math.floor(list.length / 500));
  const durations: number[] = [];
  for (let j = 0; j < list.length; j += stride) {
    const txn = list[j];
    if (txn.endUs !== Infinity) durations.push(txn.endUs - txn.startUs);
  }
  if (durations.length === 0) return NaN;
  durations.sort((a, b) => a - b);
  return durations[durations.length >> 1];
}
