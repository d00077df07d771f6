import { LogConsumption } from '../check/messaging-checks.ts';
import { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, requestKey, RESPONSE, RESPONSE_OK } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { ConsumeLogSpec, LogSpec } from './partitioned-log.schema.ts';


/**
 * A partitioned log with Apache Kafka semantics: a broker holding one topic's partitions, and
 * the group coordinator of the consumer groups that read it.
 *
 * A produce is an ordinary request: the record goes to partition hash(key) mod partitions
 * (an integer mix of the key, as Kafka hashes the serialised key with murmur2), is appended at
 * the partition's next offset, and the producer is answered ok. Records stay until they are
 * older than the retention, consumed or not; per partition they keep their order.
 *
 * Consumer groups (log-consumer.ts has the member's side): a member joins, heartbeats, fetches
 * from its partitions' positions (a fetch with nothing new waits up to its wait time) and
 * commits offsets, and may leave gracefully. The coordinator removes a member not heard from
 * within the session timeout.
 * Any change of membership starts an eager rebalance: the group stops for `rebalanceMs` (every
 * member is told, commits what it processed and gives up its partitions; fetches are refused),
 * then the generation goes up (commits of an older one are refused) and the partitions are
 * dealt round robin to the members
 * by node order, each starting at the group's committed offset (or, with none, at the oldest
 * record or the end, by the member's auto.offset.reset). Records a member processed but did
 * not commit before its partitions moved are processed again by the new owner: duplicates.
 *
 * The log is replicated, so durable: a broker crash keeps records, committed offsets and
 * membership (members get a fresh session on restart); fetches waiting at the crash are lost
 * (members fetch again after their timeout).
 *
 * Records (call records at the log, layer `log`): `appended:p<p>:<offset>` (call = the
 * record's id, the producing request's), and, call = the group's generation,
 * `committed:<group>:p<p>:<offset>`, `commit-refused:<group>:p<p>`, `reset:<group>:p<p>:<offset>`
 * (no committed offset: the group starts there), `expired:p<p>:<offset>` (retention deleted
 * everything below). State: `log.offsets` (each partition's end offset), `log.<group>.lag`
 * and `log.<group>.group` (rebalancing, or the generation and members). Metrics per group
 * (`<log>.<group>.lag`, `.lagMs`, `.rebalances`, `.members`, `.duplicates`) and per partition
 * (`<log>.<group>.p<p>.lag`, `.lagMs`). The check (messaging-checks.ts) rebuilds from them and the members'
 * records that every record is processed, waiting (lag), or gone for an allowed reason, and
 * that each member processes a partition in offset order.
 */

export const LOG_LAYER = 'log';
export const LOG_JOIN = 'log.join';
export const LOG_HEARTBEAT = 'log.heartbeat';
export const LOG_REJOIN = 'log.rejoin';
export const LOG_ASSIGNMENT = 'log.assignment';
export const LOG_FETCH = 'log.fetch';
export const LOG_RECORDS = 'log.records';
export const LOG_COMMIT = 'log.commit';
export const LOG_LEAVE = 'log.leave';
export const LOG_REBALANCING = 'log.rebalancing';

export interface JoinRequest {
  readonly group: string;
  readonly reset: 'earliest' | 'latest';
}

export interface Assignment {
  readonly group: string;
  readonly generation: number;
  readonly partitions: readonly number[];
  /** Where to start in each of `partitions`. */
  readonly offsets: readonly number[];
}

export interface FetchRequest {
  readonly group: string;
  readonly generation: number;
  readonly seq: number;
  /** [partition, next offset] pairs. */
  readonly positions: readonly (readonly [number, number])[];
  readonly max: number;
  readonly waitUs: Micros;
}

export interface FetchedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly id: number;
  readonly key: number;
  readonly publishedAt: Micros;
}

export interface FetchReply {
  readonly seq: number;
  readonly generation: number;
  /** The fetch was of an old generation, or the group is rebalancing: nothing for you now. */
  readonly refused: boolean;
  readonly records: readonly FetchedRecord[];
}

export interface CommitRequest {
  readonly group: string;
  readonly generation: number;
  readonly offsets: readonly (readonly [number, number])[];
}

interface Stored {
  readonly id: number;
  readonly key: number;
  readonly publishedAt: Micros;
}

interface Partition {
  /** Offset of records[0]. */
  start: number;
  records: Stored[];
}

interface Group {
  readonly name: string;
  generation: number;
  rebalancing: boolean;
  /** Bumped at each rebalance start: a later change of membership restarts the wait. */
  rebalanceSeq: number;
  /** Member node index → when last heard from. */
  readonly members: Map<number, Micros>;
  readonly reset: Map<number, 'earliest' | 'latest'>;
  /** Member → its partitions, in the current generation. */
  assignment: Map<number, number[]>;
  /** Per partition, the committed offset (-1: none). */
  readonly committed: number[];
}

interface Store {
  readonly partitions: Partition[];
  readonly groups: Map<string, Group>;
}

interface WaitingFetch {
  readonly from: number;
  readonly requestId: number;
  readonly request: FetchRequest;
  answered: boolean;
}

export interface LogParams {
  partitions: number;
  retentionUs: Micros;
  sessionTimeoutUs: Micros;
  rebalanceUs: Micros;
}

const TIMER_SESSIONS = 0;
const TIMER_REBALANCE_DONE = 1;
const TIMER_FETCH_EXPIRED = 2;
const TIMER_RETENTION = 3;
const TIMER_NAMES = ['', 'rebalance-done', '', 'retention-sweep'] as const;
const SESSION_CHECK_US = 1_000_000;
const RETENTION_SWEEP_US = 60_000_000;

function logMetrics() {
  return { appended: new Counter(), fetches: new Counter(), commits: new Counter(), commitsRefused: new Counter(), expired: new Counter() };
}

function partitionMetrics() {
  return {
    /** Records of this partition the group has not committed. */
    lag: new Gauge(),
    /** Age of the partition's oldest uncommitted record, in ms, as of the last change. */
    lagMs: new Gauge(),
  };
}

function groupMetrics() {
  return {
    /** Records appended and not yet committed by the group, over all partitions. */
    lag: new Gauge(),
    /** Age of the oldest record the group has not committed, in ms, as of the last change. */
    lagMs: new Gauge(),
    rebalances: new Counter(),
    members: new Gauge(),
    /** Records the group's members processed more than once (measured, not behaviour). */
    duplicates: new Counter(),
  };
}

export class LogNode extends SimNode {
  private readonly m: ReturnType<typeof logMetrics>;
  private readonly groupM = new Map<string, ReturnType<typeof groupMetrics>>();
  private readonly partitionM = new Map<string, ReturnType<typeof partitionMetrics>[]>();
  private waiting: WaitingFetch[] = [];
  private readonly reportedLag = new Map<string, number>();
  /** Measurement only: ids each group processed, so members can count duplicates. */
  private readonly processedIds = new Map<string, Set<number>>();

  constructor(world: World, index: number, name: string, readonly params: LogParams) {
    super(world, index, name, 'log');
    this.m = world.sim.metrics.group(name, logMetrics());
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  /** A member reports each processing here; true if its group processed the record before. */
  noteProcessed(group: string, id: number): boolean {
    let ids = this.processedIds.get(group);
    if (ids === undefined) this.processedIds.set(group, (ids = new Set()));
    if (ids.has(id)) {
      this.metricsOf(group).duplicates.add();
      return true;
    }
    ids.add(id);
    return false;
  }

  /**
   * A member's service names its group at time 0, so the group's metrics (`<log>.<group>.lag`…)
   * exist from the start, for charts and checks, before the member's join arrives.
   */
  declareGroup(group: string): void {
    this.metricsOf(group);
    this.partitionMetricsOf(group);
  }

  override start(): void {
    this.waiting = [];
    for (const g of this.store.groups.values()) {
      for (const member of g.members.keys()) g.members.set(member, this.now); // a fresh session after a restart
      if (g.rebalancing) this.setTimer(this.params.rebalanceUs, TIMER_REBALANCE_DONE, { group: g.name, seq: g.rebalanceSeq });
    }
    this.setTimer(SESSION_CHECK_US, TIMER_SESSIONS);
    if (this.params.retentionUs < this.world.sim.endUs) this.setTimer(Math.min(this.params.retentionUs, RETENTION_SWEEP_US), TIMER_RETENTION);
  }

  override onCrash(): void {
    this.waiting = [];
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case REQUEST:
        return this.append(msg);
      case LOG_JOIN:
        return this.join(msg.from, msg.payload as JoinRequest);
      case LOG_HEARTBEAT:
        return this.heartbeat(msg.from, msg.payload as string, msg.id);
      case LOG_FETCH:
        return this.fetch(msg);
      case LOG_COMMIT:
        return this.commit(msg.from, msg.payload as CommitRequest);
      case LOG_LEAVE:
        return this.leave(msg.from, msg.payload as string);
    }
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_SESSIONS) {
      this.expireSessions();
      this.setTimer(SESSION_CHECK_US, TIMER_SESSIONS);
    } else if (tag === TIMER_REBALANCE_DONE) {
      const { group, seq } = data as { group: string; seq: number };
      const g = this.store.groups.get(group);
      if (g !== undefined && g.rebalanceSeq === seq && g.rebalancing) this.assign(g);
    } else if (tag === TIMER_FETCH_EXPIRED) {
      this.answerFetch(data as WaitingFetch, []);
    } else if (tag === TIMER_RETENTION) {
      this.enforceRetention();
      this.setTimer(Math.min(this.params.retentionUs, RETENTION_SWEEP_US), TIMER_RETENTION);
    }
  }

  /** The partition a key goes to (an integer mix of the key, so neighbouring keys spread). */
  partitionOf(key: number): number {
    let h = Math.imul(key | 0, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return (h >>> 0) % this.params.partitions;
  }

  // ---- produce ------------------------------------------------------------------------------

  private append(msg: Message): void {
    const key = requestKey(msg.payload, msg.id);
    const p = this.partitionOf(key);
    const part = this.store.partitions[p];
    const offset = part.start + part.records.length;
    part.records.push({ id: msg.id, key, publishedAt: this.now });
    this.m.appended.add();
    this.callEvent(msg.id, LOG_LAYER, `appended:p${p}:${offset}`);
    this.state('log.offsets', this.store.partitions.map((x) => x.start + x.records.length).join(','));
    this.send(msg.from, RESPONSE, RESPONSE_OK, msg.id);
    this.serveWaiting();
    this.reportLag();
  }

  // ---- group membership ---------------------------------------------------------------------

  private join(member: number, request: JoinRequest): void {
    const g = this.groupOf(request.group);
    g.members.set(member, this.now);
    g.reset.set(member, request.reset);
    this.rebalance(g);
  }

  private heartbeat(member: number, group: string, requestId: number): void {
    const g = this.store.groups.get(group);
    if (g === undefined || !g.members.has(member)) {
      // Removed meanwhile (its session expired): it must join again.
      this.send(member, LOG_REJOIN, group, requestId);
      return;
    }
    g.members.set(member, this.now);
  }

  /** A member closing gracefully (LeaveGroup): out at once, and the group rebalances without waiting for its session to expire. */
  private leave(member: number, group: string): void {
    const g = this.store.groups.get(group);
    if (g === undefined || !g.members.delete(member)) return;
    this.rebalance(g);
  }

  private expireSessions(): void {
    for (const g of this.store.groups.values()) {
      let removed = false;
      for (const [member, seen] of g.members) {
        if (this.now - seen > this.params.sessionTimeoutUs) {
          g.members.delete(member);
          removed = true;
        }
      }
      if (removed) this.rebalance(g);
    }
  }

  /**
   * Eager rebalance: the group stops for `rebalanceUs` — fetches are refused; members are told
   * (as a heartbeat's REBALANCE_IN_PROGRESS answer) and commit what they processed, which the
   * current generation may still do — then a new generation and a new assignment.
   */
  private rebalance(g: Group): void {
    g.rebalanceSeq++;
    g.rebalancing = true;
    this.metricsOf(g.name).rebalances.add();
    this.state(`log.${g.name}.group`, 'rebalancing');
    for (const member of g.assignment.keys()) this.send(member, LOG_REBALANCING, g.name);
    this.setTimer(this.params.rebalanceUs, TIMER_REBALANCE_DONE, { group: g.name, seq: g.rebalanceSeq });
  }

  /** Deals the partitions round robin to the members (by node order) and tells each where to start. */
  private assign(g: Group): void {
    g.rebalancing = false;
    g.generation++;
    g.assignment = new Map();
    const members = [...g.members.keys()].sort((a, b) => a - b);
    const m = this.metricsOf(g.name);
    m.members.set(this.now, members.length);
    this.state(`log.${g.name}.group`, `gen ${g.generation} · ${members.length} member${members.length === 1 ? '' : 's'}`);
    if (members.length === 0) return;
    for (const member of members) g.assignment.set(member, []);
    for (let p = 0; p < this.params.partitions; p++) {
      const member = members[p % members.length];
      g.assignment.get(member)!.push(p);
      if (g.committed[p] < 0) this.startGroupAt(g, p, g.reset.get(member) ?? 'latest');
    }
    for (const member of members) {
      const partitions = g.assignment.get(member)!;
      const assignment: Assignment = { group: g.name, generation: g.generation, partitions, offsets: partitions.map((p) => g.committed[p]) };
      this.send(member, LOG_ASSIGNMENT, assignment);
    }
    this.reportLag();
  }

  /** A group with no committed offset for `p` starts at the oldest record or at the end. */
  private startGroupAt(g: Group, p: number, reset: 'earliest' | 'latest'): void {
    const part = this.store.partitions[p];
    g.committed[p] = reset === 'earliest' ? part.start : part.start + part.records.length;
    this.callEvent(g.generation, LOG_LAYER, `reset:${g.name}:p${p}:${g.committed[p]}`);
  }

  // ---- fetch and commit ---------------------------------------------------------------------

  private fetch(msg: Message): void {
    const request = msg.payload as FetchRequest;
    this.m.fetches.add();
    if (!this.owns(msg.from, request.group, request.generation, request.positions)) {
      const g = this.store.groups.get(request.group);
      const reply: FetchReply = { seq: request.seq, generation: g?.generation ?? -1, refused: true, records: [] };
      this.send(msg.from, LOG_RECORDS, reply, msg.id);
      return;
    }
    const records = this.read(request);
    if (records.length > 0 || request.waitUs <= 0) {
      this.send(msg.from, LOG_RECORDS, { seq: request.seq, generation: request.generation, refused: false, records } satisfies FetchReply, msg.id);
      return;
    }
    const w: WaitingFetch = { from: msg.from, requestId: msg.id, request, answered: false };
    this.waiting.push(w);
    this.setTimer(request.waitUs, TIMER_FETCH_EXPIRED, w);
  }

  private owns(member: number, group: string, generation: number, positions: FetchRequest['positions']): boolean {
    const g = this.store.groups.get(group);
    if (g === undefined || g.rebalancing || g.generation !== generation) return false;
    const mine = g.assignment.get(member);
    return mine !== undefined && positions.every(([p]) => mine.includes(p));
  }

  /** Up to `max` records from the positions, partition by partition. */
  private read(request: FetchRequest): FetchedRecord[] {
    const out: FetchedRecord[] = [];
    for (const [p, position] of request.positions) {
      const part = this.store.partitions[p];
      for (let offset = Math.max(position, part.start); offset < part.start + part.records.length && out.length < request.max; offset++) {
        const r = part.records[offset - part.start];
        out.push({ partition: p, offset, id: r.id, key: r.key, publishedAt: r.publishedAt });
      }
    }
    return out;
  }

  private answerFetch(w: WaitingFetch, records: FetchedRecord[]): void {
    if (w.answered) return;
    w.answered = true;
    this.waiting = this.waiting.filter((x) => x !== w);
    const g = this.store.groups.get(w.request.group);
    const current = g !== undefined && !g.rebalancing && g.generation === w.request.generation;
    const reply: FetchReply = { seq: w.request.seq, generation: g?.generation ?? -1, refused: !current, records: current ? records : [] };
    this.send(w.from, LOG_RECORDS, reply, w.requestId);
  }

  private serveWaiting(): void {
    for (const w of [...this.waiting]) {
      if (!this.owns(w.from, w.request.group, w.request.generation, w.request.positions)) {
        this.answerFetch(w, []);
        continue;
      }
      const records = this.read(w.request);
      if (records.length > 0) this.answerFetch(w, records);
    }
  }

  private commit(member: number, request: CommitRequest): void {
    const g = this.store.groups.get(request.group);
    for (const [p, offset] of request.offsets) {
      // While rebalancing the old generation may still commit what it processed (Kafka's commit in onJoinPrepare).
      if (g === undefined || g.generation !== request.generation || !g.assignment.get(member)?.includes(p)) {
        this.m.commitsRefused.add();
        this.callEvent(request.generation, LOG_LAYER, `commit-refused:${request.group}:p${p}`);
        continue;
      }
      this.m.commits.add();
      g.committed[p] = offset;
      this.callEvent(request.generation, LOG_LAYER, `committed:${request.group}:p${p}:${offset}`);
    }
    this.reportLag();
  }

  // ---- retention, lag -----------------------------------------------------------------------

  private enforceRetention(): void {
    this.store.partitions.forEach((part, p) => {
      let drop = 0;
      while (drop < part.records.length && this.now - part.records[drop].publishedAt >= this.params.retentionUs) drop++;
      if (drop === 0) return;
      part.records = part.records.slice(drop);
      part.start += drop;
      this.m.expired.add(drop);
      this.callEvent(-1, LOG_LAYER, `expired:p${p}:${part.start}`);
    });
    this.reportLag();
  }

  private reportLag(): void {
    const parts = this.store.partitions;
    for (const g of this.store.groups.values()) {
      let lag = 0;
      let oldest = Infinity;
      const perPartition = this.partitionMetricsOf(g.name);
      parts.forEach((part, p) => {
        const from = Math.max(g.committed[p] < 0 ? part.start : g.committed[p], part.start);
        const end = part.start + part.records.length;
        const behind = Math.max(0, end - from);
        const since = from < end ? part.records[from - part.start].publishedAt : Infinity;
        perPartition[p].lag.set(this.now, behind);
        perPartition[p].lagMs.set(this.now, since === Infinity ? 0 : (this.now - since) / 1000);
        lag += behind;
        oldest = Math.min(oldest, since);
      });
      const m = this.metricsOf(g.name);
      m.lag.set(this.now, lag);
      m.lagMs.set(this.now, oldest === Infinity ? 0 : (this.now - oldest) / 1000);
      if (this.reportedLag.get(g.name) !== lag) {
        this.reportedLag.set(g.name, lag);
        this.state(`log.${g.name}.lag`, lag);
      }
    }
  }

  private groupOf(name: string): Group {
    let g = this.store.groups.get(name);
    if (g === undefined) {
      g = { name, generation: 0, rebalancing: false, rebalanceSeq: 0, members: new Map(), reset: new Map(), assignment: new Map(), committed: new Array<number>(this.params.partitions).fill(-1) };
      this.store.groups.set(name, g);
    }
    return g;
  }

  private metricsOf(group: string): ReturnType<typeof groupMetrics> {
    let m = this.groupM.get(group);
    if (m === undefined) this.groupM.set(group, (m = this.world.sim.metrics.group(`${this.name}.${group}`, groupMetrics())));
    return m;
  }

  /** Per partition, the group's lag metrics (`<log>.<group>.p<p>.lag`, `.lagMs`). */
  private partitionMetricsOf(group: string): ReturnType<typeof partitionMetrics>[] {
    let m = this.partitionM.get(group);
    if (m === undefined) {
      m = Array.from({ length: this.params.partitions }, (_, p) => this.world.sim.metrics.group(`${this.name}.${group}.p${p}`, partitionMetrics()));
      this.partitionM.set(group, m);
    }
    return m;
  }

  private get store(): Store {
    return ((this.durable as { log?: Store }).log ??= {
      partitions: Array.from({ length: this.params.partitions }, () => ({ start: 0, records: [] })),
      groups: new Map(),
    });
  }
}

export function logParams(spec: LogSpec): LogParams {
  return {
    partitions: spec.partitions,
    retentionUs: msToUs(spec.retentionMs),
    sessionTimeoutUs: msToUs(spec.sessionTimeoutMs),
    rebalanceUs: msToUs(spec.rebalanceMs),
  };
}

export const LOG_KIND: NodeKind<LogSpec> = {
  create: (world, index, spec) => new LogNode(world, index, spec.id, logParams(spec)),
  invariants: (spec, nodes) => {
    const consumers = nodes.flatMap((n) => {
      const c = (n as { consumeLog?: ConsumeLogSpec }).consumeLog;
      return c !== undefined && c.from === spec.id ? [{ node: n.id, group: c.group, commit: c.commit, claimsExactlyOnce: c.claimsExactlyOnce }] : [];
    });
    const check = new LogConsumption(spec.id, consumers);
    return [{ name: check.describe(), invariant: check }];
  },
};
