import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Micros } from '../engine/time.ts';
import { NO_DEADLINE, type Message } from '../net/message.ts';
import type { Call } from '../nodes/call.ts';
import type { SimNode } from '../nodes/node.ts';
import type { ConsumerHost, NodeConsumer } from '../nodes/service.ts';
import {
  LOG_ASSIGNMENT,
  LOG_COMMIT,
  LOG_FETCH,
  LOG_HEARTBEAT,
  LOG_JOIN,
  LOG_LEAVE,
  LOG_REBALANCING,
  LOG_RECORDS,
  LOG_REJOIN,
  LogNode,
  type Assignment,
  type CommitRequest,
  type FetchedRecord,
  type FetchReply,
  type FetchRequest,
  type JoinRequest,
} from './partitioned-log.ts';
import { CONSUMER_TIMER_FIRST } from './queue-consumer.ts';

/**
 * A service consuming a partitioned log as a member of a consumer group (the `consumeLog`
 * option; partitioned-log.ts has the broker and coordinator). Like a Kafka consumer: it joins
 * the group, heartbeats every `heartbeatIntervalMs`, and polls its assigned partitions — a
 * fetch of up to `maxPollRecords` from its positions — then processes the records one by one
 * with the service's own service time, errors and calls. A record whose processing fails is
 * processed again at once (a log has no per-record acknowledgement: the partition waits).
 *
 * Offsets are committed by `commit`: `after` each batch is processed (at-least-once: a crash
 * before the commit means the new owner processes the batch again), `before` processing, as
 * soon as the batch is fetched (at-most-once: a crash loses what was fetched and not yet
 * processed), or `auto`, at the first poll after `autoCommitIntervalMs` (Kafka's default:
 * the positions of records already processed, so at-least-once with up to an interval of
 * duplicates). A commit of an old generation is refused by the coordinator. A new assignment
 * replaces the member's partitions and positions; records of the old generation still being
 * processed are finished, their commit refused.
 *
 * A crash loses everything but the group's committed offsets at the log; on restart the
 * member joins again. With `leaveAtMs` it closes gracefully then: it finishes its batch,
 * commits and sends LeaveGroup, so the group rebalances at once.
 *
 * Records (call records at the member, layer `log:<log>`): `assigned:<group>:<generation>`
 * (call = generation), `processed:<group>:p<p>:<offset>` and `failed:<group>:p<p>:<offset>`
 * (call = the record's id); work records around each processing. Metrics `<service>.consumer.*`.
 */
export interface LogConsumerParams {
  log: number;
  logName: string;
  group: string;
  commit: 'after' | 'before' | 'auto';
  autoCommitUs: Micros;
  maxPollRecords: number;
  fetchWaitUs: Micros;
  heartbeatUs: Micros;
  reset: 'earliest' | 'latest';
  /** When the member leaves the group gracefully; null: never. */
  leaveAtUs: Micros | null;
}

const TIMER_HEARTBEAT = CONSUMER_TIMER_FIRST;
const TIMER_FETCH_TIMEOUT = CONSUMER_TIMER_FIRST + 1;
const TIMER_POLL_AGAIN = CONSUMER_TIMER_FIRST + 2;
const TIMER_PROCESSED = CONSUMER_TIMER_FIRST + 3;
const TIMER_LEAVE = CONSUMER_TIMER_FIRST + 4;
/** A fetch not answered within its wait and this margin is sent again. */
const FETCH_REPLY_MARGIN_US = 5_000_000;
/** After a refused fetch (rebalancing), wait this long before polling again. */
const REFUSED_BACKOFF_US = 100_000;

function consumerMetrics() {
  return {
    processed: new Counter(),
    failed: new Counter(),
    /** Records the group had processed before (after a rebalance or a crash). */
    duplicatesProcessed: new Counter(),
    endToEndMs: durationHistogram(),
    busy: new Gauge(),
    fetches: new Counter(),
  };
}

export class LogConsumer implements NodeConsumer {
  private generation = -1;
  /** An assignment that came while a batch was being processed: it takes effect at the next poll, as Kafka's rebalance happens inside poll(). */
  private pendingAssignment: Assignment | null = null;
  private partitions: readonly number[] = [];
  private positions = new Map<number, number>();
  private batch: readonly FetchedRecord[] = [];
  private batchGeneration = -1;
  private pos = 0;
  private processing = false;
  private awaitingFetch = -1;
  private nextSeq = 0;
  /** Bumped whenever the poll loop moves on, so a stale timer is recognised. */
  private token = 0;
  private lastCommitAt = 0;
  /** Leaving: finish the batch, then commit and leave. Left: out of the group for good. */
  private leaving = false;
  private left = false;
  /** The coordinator announced a rebalance: commit what was processed at the next poll. */
  private rebalancePending = false;
  private readonly m: ReturnType<typeof consumerMetrics>;
  readonly layer: string;

  constructor(
    private readonly host: ConsumerHost,
    private readonly p: LogConsumerParams,
  ) {
    this.m = host.node.world.sim.metrics.group(`${host.node.name}.consumer`, consumerMetrics());
    this.layer = `log:${p.logName}`;
  }

  private get node(): SimNode {
    return this.host.node;
  }

  start(): void {
    this.generation = -1;
    this.pendingAssignment = null;
    this.partitions = [];
    this.positions = new Map();
    this.batch = [];
    this.processing = false;
    this.awaitingFetch = -1;
    this.lastCommitAt = this.node.now;
    this.logNode().declareGroup(this.p.group);
    const leaveAt = this.p.leaveAtUs;
    this.left = leaveAt !== null && this.node.now >= leaveAt;
    this.leaving = false;
    this.rebalancePending = false;
    if (this.left) return; // it left before a crash: a restart does not bring it back
    this.join();
    this.node.setTimer(this.p.heartbeatUs, TIMER_HEARTBEAT);
    if (leaveAt !== null) this.node.setTimer(leaveAt - this.node.now, TIMER_LEAVE);
  }

  onCrash(): void {
    this.processing = false;
    this.m.busy.set(this.node.now, 0);
  }

  onMessage(msg: Message): boolean {
    if (this.left) return msg.type === LOG_ASSIGNMENT || msg.type === LOG_RECORDS || msg.type === LOG_REJOIN || msg.type === LOG_REBALANCING;
    switch (msg.type) {
      case LOG_ASSIGNMENT:
        this.assigned(msg.payload as Assignment);
        return true;
      case LOG_RECORDS:
        this.fetched(msg.payload as FetchReply);
        return true;
      case LOG_REJOIN:
        this.join();
        return true;
      case LOG_REBALANCING:
        this.rebalancePending = true;
        if (!this.processing) this.commitBeforeRebalance();
        return true;
      default:
        return false;
    }
  }

  onTimer(tag: number, data: unknown): boolean {
    if (tag < CONSUMER_TIMER_FIRST || tag > TIMER_LEAVE) return false;
    if (this.left) return true;
    if (tag === TIMER_HEARTBEAT) {
      this.node.send(this.p.log, LOG_HEARTBEAT, this.p.group);
      this.node.setTimer(this.p.heartbeatUs, TIMER_HEARTBEAT);
    } else if (tag === TIMER_LEAVE) {
      this.leaving = true;
      if (!this.processing) this.leaveNow();
    } else if (data === this.token) {
      if (tag === TIMER_PROCESSED) this.ownWorkDone();
      else this.poll();
    }
    return true;
  }

  private join(): void {
    const request: JoinRequest = { group: this.p.group, reset: this.p.reset };
    this.node.send(this.p.log, LOG_JOIN, request);
  }

  private assigned(a: Assignment): void {
    if (a.generation <= Math.max(this.generation, this.pendingAssignment?.generation ?? -1)) return;
    this.pendingAssignment = a;
    if (!this.processing) this.poll();
  }

  private applyAssignment(a: Assignment): void {
    this.pendingAssignment = null;
    this.generation = a.generation;
    this.partitions = a.partitions;
    this.positions = new Map(a.partitions.map((p, i) => [p, a.offsets[i]]));
    this.node.callEvent(a.generation, this.layer, `assigned:${this.p.group}:${a.generation}`);
  }

  private poll(): void {
    this.token++;
    this.awaitingFetch = -1;
    if (this.leaving) return this.leaveNow();
    if (this.rebalancePending) this.commitBeforeRebalance();
    if (this.pendingAssignment !== null) this.applyAssignment(this.pendingAssignment);
    if (this.partitions.length === 0) return; // nothing assigned: wait for an assignment
    const now = this.node.now;
    if (this.p.commit === 'auto' && now - this.lastCommitAt >= this.p.autoCommitUs) {
      this.lastCommitAt = now;
      this.commitPositions(this.generation, [...this.positions]);
    }
    this.awaitingFetch = this.nextSeq++;
    const request: FetchRequest = { group: this.p.group, generation: this.generation, seq: this.awaitingFetch, positions: [...this.positions], max: this.p.maxPollRecords, waitUs: this.p.fetchWaitUs };
    this.m.fetches.add();
    this.node.send(this.p.log, LOG_FETCH, request);
    this.node.setTimer(this.p.fetchWaitUs + FETCH_REPLY_MARGIN_US, TIMER_FETCH_TIMEOUT, this.token);
  }

  private fetched(reply: FetchReply): void {
    if (reply.seq !== this.awaitingFetch) return;
    this.awaitingFetch = -1;
    this.token++;
    if (reply.refused || reply.records.length === 0) {
      this.node.setTimer(reply.refused ? REFUSED_BACKOFF_US : 0, TIMER_POLL_AGAIN, this.token);
      return;
    }
    this.batch = reply.records;
    this.batchGeneration = this.generation;
    this.pos = 0;
    if (this.p.commit === 'before') this.commitPositions(this.generation, nextOffsets(reply.records));
    this.processNext();
  }

  private processNext(): void {
    if (this.pos >= this.batch.length) {
      this.processing = false;
      if (this.p.commit === 'after') this.commitPositions(this.batchGeneration, nextOffsets(this.batch));
      this.poll();
      return;
    }
    const r = this.batch[this.pos];
    this.processing = true;
    this.work(r.id, 'start', 1);
    this.token++;
    this.node.setTimer(this.host.processingTime(), TIMER_PROCESSED, this.token);
  }

  private ownWorkDone(): void {
    const r = this.batch[this.pos];
    if (this.host.failsNow()) return this.failed(r);
    if (!this.host.hasDependencies()) return this.succeeded(r);
    const token = ++this.token;
    const makeCall = (): Call => ({ id: r.id, attempt: 1, startedAt: this.node.now, deadline: NO_DEADLINE, key: r.key, host: -1, parent: -1 });
    this.host.callDependencies(makeCall, (response) => {
      if (this.token !== token) return;
      if (response.outcome === 'ok') this.succeeded(r);
      else this.failed(r);
    });
  }

  private succeeded(r: FetchedRecord): void {
    this.m.processed.add();
    this.m.endToEndMs.record(this.node.now - r.publishedAt);
    this.node.callEvent(r.id, this.layer, `processed:${this.p.group}:p${r.partition}:${r.offset}`);
    this.work(r.id, 'done', -1);
    if (this.logNode().noteProcessed(this.p.group, r.id)) this.m.duplicatesProcessed.add();
    if (this.batchGeneration === this.generation && this.positions.has(r.partition)) this.positions.set(r.partition, r.offset + 1);
    this.pos++;
    this.processNext();
  }

  /** A log has no per-record acknowledgement: the record is processed again, and its partition waits. */
  private failed(r: FetchedRecord): void {
    this.m.failed.add();
    this.node.callEvent(r.id, this.layer, `failed:${this.p.group}:p${r.partition}:${r.offset}`);
    this.work(r.id, 'error', -1);
    this.processNext();
  }

  /**
   * Before giving up its partitions in a rebalance, a member commits what it processed (Kafka
   * does so in onJoinPrepare with auto-commit; a commit-after consumer in its
   * onPartitionsRevoked), so the new owners do not process it again. At-most-once members
   * committed already.
   */
  private commitBeforeRebalance(): void {
    this.rebalancePending = false;
    if (this.p.commit !== 'before' && this.generation >= 0) this.commitPositions(this.generation, [...this.positions]);
  }

  /** Close: commit what was processed (unless offsets were committed before processing) and leave the group. */
  private leaveNow(): void {
    this.left = true;
    this.token++;
    if (this.p.commit !== 'before') this.commitPositions(this.generation, [...this.positions]);
    this.node.send(this.p.log, LOG_LEAVE, this.p.group);
    this.node.callEvent(this.generation, this.layer, `left:${this.p.group}`);
  }

  private commitPositions(generation: number, offsets: (readonly [number, number])[]): void {
    if (offsets.length === 0) return;
    const request: CommitRequest = { group: this.p.group, generation, offsets };
    this.node.send(this.p.log, LOG_COMMIT, request);
  }

  /** The log node, for measurement only (group metrics, duplicates); its behaviour is reached by messages. */
  private logNode(): LogNode {
    return this.node.world.nodes[this.p.log] as LogNode;
  }

  private work(id: number, phase: 'start' | 'done' | 'error', busy: 1 | -1): void {
    const sim = this.node.world.sim;
    sim.trace.emit(TraceKind.work, sim.now, this.node.index, id, phase);
    this.m.busy.add(sim.now, busy);
  }
}

/** Per partition in `records`, the offset after its last record there. */
function nextOffsets(records: readonly FetchedRecord[]): [number, number][] {
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  return [...next];
}
