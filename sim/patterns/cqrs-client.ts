import { Counter, durationHistogram } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import { ES_COMMAND, ES_COMMAND_ANSWER, ES_READ, ES_READ_ANSWER, type CommandAnswer, type CommandRequest, type ReadAnswer } from './event-store.ts';
import type { CqrsClientSpec } from './event-store.schema.ts';
import type { NodeKind } from './node-kinds.ts';
import { ES_QUERY, ES_QUERY_ANSWER, type QueryAnswer, type QueryRequest } from './projector.ts';

/**
 * Users of a CQRS system: each command (Poisson, `commandsPerSec`, to an aggregate drawn from
 * 1…aggregates) is a session that, `readAfterMs` after its command is acknowledged, reads the
 * aggregate it changed. Reading the read model, it may not see its own write yet: a stale read,
 * and for the session that wrote it a read-your-writes violation. The fixes: read from the write
 * side (`write-side`: the event store loads the aggregate), or ask the projector to wait until it
 * has applied the write's position (`wait-for-position`) — fresh, but the read waits for the lag.
 *
 * Metrics `<id>.*`: commands, conflicts, reads, staleReads (= readYourWritesViolations: every
 * read here is of the session's own write), readMs (from the read's start to its answer).
 */

interface Session {
  readonly aggregate: number;
  /** The version its command wrote, and the event's position. */
  version: number;
  position: number;
  readStartedAt: Micros;
}

const TIMER_ARRIVAL = 0;
const TIMER_READ = 1;
const TIMER_NAMES = ['arrival', 'read'];

function clientMetrics() {
  return {
    commands: new Counter(),
    conflicts: new Counter(),
    reads: new Counter(),
    staleReads: new Counter(),
    readYourWritesViolations: new Counter(),
    readMs: durationHistogram(),
  };
}

export interface CqrsClientParams {
  store: number;
  projector: number;
  meanGapUs: number;
  aggregates: number;
  readAfterUs: Micros;
  readYourWrites: CqrsClientSpec['readYourWrites'];
  startUs: Micros;
  stopUs: Micros | null;
}

export class CqrsClientNode extends SimNode {
  private readonly m: ReturnType<typeof clientMetrics>;
  private sessions = new Map<number, Session>();
  private nextWho = 0;
  /** Since time 0: what the sandbox's badge shows (stale of all reads). */
  private totals = { reads: 0, stale: 0 };

  constructor(world: World, index: number, name: string, readonly p: CqrsClientParams) {
    super(world, index, name, 'cqrs-client');
    this.m = world.sim.metrics.group(name, clientMetrics());
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    this.sessions = new Map();
    this.setTimer(Math.max(0, this.p.startUs - this.now) + this.gap(), TIMER_ARRIVAL);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_ARRIVAL) this.arrival();
    else if (tag === TIMER_READ) this.read(data as number);
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case ES_COMMAND_ANSWER:
        return this.acknowledged(msg.payload as CommandAnswer);
      case ES_QUERY_ANSWER:
      case ES_READ_ANSWER: {
        const a = msg.payload as QueryAnswer | ReadAnswer;
        return this.readAnswered(a.who, a.version);
      }
    }
  }

  private gap(): Micros {
    return Math.round(this.rng.exponential(this.p.meanGapUs));
  }

  private arrival(): void {
    if (this.p.stopUs !== null && this.now >= this.p.stopUs) return;
    const who = this.nextWho++;
    const aggregate = 1 + this.rng.int(this.p.aggregates);
    this.sessions.set(who, { aggregate, version: 0, position: -1, readStartedAt: 0 });
    this.m.commands.add();
    this.send(this.p.store, ES_COMMAND, { aggregate, who } satisfies CommandRequest);
    this.setTimer(this.gap(), TIMER_ARRIVAL);
  }

  private acknowledged(a: CommandAnswer): void {
    const s = this.sessions.get(a.who);
    if (s === undefined) return;
    if (!a.ok) {
      this.m.conflicts.add();
      this.sessions.delete(a.who);
      return;
    }
    s.version = a.version;
    s.position = a.position;
    this.setTimer(this.p.readAfterUs, TIMER_READ, a.who);
  }

  private read(who: number): void {
    const s = this.sessions.get(who);
    if (s === undefined) return;
    s.readStartedAt = this.now;
    if (this.p.readYourWrites === 'write-side') {
      this.send(this.p.store, ES_READ, { aggregate: s.aggregate, who } satisfies CommandRequest);
      return;
    }
    const q: QueryRequest = { aggregate: s.aggregate, who, minPosition: this.p.readYourWrites === 'wait-for-position' ? s.position : null };
    this.send(this.p.projector, ES_QUERY, q);
  }

  private readAnswered(who: number, version: number): void {
    const s = this.sessions.get(who);
    if (s === undefined) return;
    this.sessions.delete(who);
    this.m.reads.add();
    this.m.readMs.record(this.now - s.readStartedAt);
    if (version < s.version) {
      this.m.staleReads.add();
      this.m.readYourWritesViolations.add();
      this.totals.stale++;
    }
    this.state('cqrs.reads', `${this.totals.stale}/${++this.totals.reads}`);
  }
}

export const CQRS_CLIENT_KIND: NodeKind<CqrsClientSpec> = {
  create: (world, index, spec, resolve) =>
    new CqrsClientNode(world, index, spec.id, {
      store: resolve(spec.store),
      projector: resolve(spec.projector),
      meanGapUs: 1e6 / spec.commandsPerSec,
      aggregates: spec.aggregates,
      readAfterUs: msToUs(spec.readAfterMs),
      readYourWrites: spec.readYourWrites,
      startUs: msToUs(spec.startMs),
      stopUs: spec.stopMs === null ? null : msToUs(spec.stopMs),
    }),
};
