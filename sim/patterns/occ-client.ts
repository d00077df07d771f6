import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import { STORE_READ, STORE_VALUE, STORE_WRITE, STORE_WRITTEN, type ReadAnswer, type ReadRequest, type WriteAnswer, type WriteRequest } from './versioned-store.ts';
import type { OccClientSpec } from './versioned-store.schema.ts';


/**
 * Clients contending for one key of a versioned store with optimistic concurrency: each
 * reads the key's version, then writes it conditionally on that version; a conflict (someone
 * else wrote in between) sends it back to read again after a backoff. Each client stops once
 * its write succeeds. This is Marc Brooker's experiment ("Exponential Backoff and Jitter",
 * AWS Architecture Blog, 2015; awslabs/aws-arch-backoff-simulator): which backoff makes the
 * clients do the least work (writes sent) and which lets them all finish soonest.
 *
 * Backoff after the n-th conflict (n from 0, as the retry policy counts, sim/patterns/retry.ts):
 * `none` 0; `exponential` min(cap, base·2ⁿ); `full-jitter` uniform(0, min(cap, base·2ⁿ));
 * `equal-jitter` half that plus uniform(0, half); `decorrelated` min(cap, uniform(base, 3 ×
 * the previous wait)), starting from base.
 *
 * Metrics `<id>.*`: writes (conditional writes sent: the work), conflicts, done, completionMs
 * (per client, from its start to its successful write), allDoneMs (when the last finished).
 * Records (call records, layer `occ`, call = the client's number): `done:<writes>`.
 */
export interface OccParams {
  store: number;
  clients: number;
  key: number;
  startUs: Micros;
  backoff: OccClientSpec['backoff'];
  baseMs: number;
  capMs: number;
  readFrom: OccClientSpec['readFrom'];
}

interface Contender {
  readonly who: number;
  /** Conflicts so far. */
  conflicts: number;
  previousWaitMs: number;
  writes: number;
  done: boolean;
}

const TIMER_START = 0;
const TIMER_RETRY = 1;

function occMetrics() {
  return { writes: new Counter(), conflicts: new Counter(), done: new Counter(), completionMs: durationHistogram(), allDoneMs: new Gauge() };
}

export class OccClientNode extends SimNode {
  private contenders: Contender[] = [];
  private doneCount = 0;
  private readonly m: ReturnType<typeof occMetrics>;

  constructor(world: World, index: number, name: string, readonly params: OccParams) {
    super(world, index, name, 'occ-client');
    this.m = world.sim.metrics.group(name, occMetrics());
  }

  override start(): void {
    // A restart starts the unfinished clients over (their reads were lost with the crash).
    const p = this.params;
    if (this.contenders.length === 0) this.contenders = Array.from({ length: p.clients }, (_, who) => ({ who, conflicts: 0, previousWaitMs: p.baseMs, writes: 0, done: false }));
    this.setTimer(Math.max(0, p.startUs - this.now), TIMER_START);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_START) {
      for (const c of this.contenders) if (!c.done) this.read(c);
    } else if (tag === TIMER_RETRY) this.read(this.contenders[data as number]);
  }

  override onMessage(msg: Message): void {
    if (msg.type === STORE_VALUE) {
      const a = msg.payload as ReadAnswer;
      const c = this.contenders[a.who];
      c.writes++;
      this.m.writes.add();
      const w: WriteRequest = { key: a.key, who: a.who, expected: a.version };
      this.send(this.params.store, STORE_WRITE, w, msg.id);
    } else if (msg.type === STORE_WRITTEN) {
      const a = msg.payload as WriteAnswer;
      const c = this.contenders[a.who];
      if (a.ok) return this.finished(c);
      this.m.conflicts.add();
      this.setTimer(Math.round(this.backoffMs(c) * 1000), TIMER_RETRY, c.who);
      c.conflicts++;
    }
  }

  private read(c: Contender): void {
    const r: ReadRequest = { key: this.params.key, who: c.who, fromReplica: this.params.readFrom === 'replica' };
    this.send(this.params.store, STORE_READ, r);
  }

  private finished(c: Contender): void {
    c.done = true;
    this.m.done.add();
    const elapsed = this.now - this.params.startUs;
    this.m.completionMs.record(elapsed);
    this.m.allDoneMs.set(this.now, elapsed / 1000);
    this.callEvent(c.who, 'occ', `done:${c.writes}`);
    this.state('occ.done', `${++this.doneCount}/${this.params.clients}`);
  }

  /** The wait after this client's next conflict. */
  private backoffMs(c: Contender): number {
    const { baseMs, capMs } = this.params;
    const exp2 = Math.min(capMs, baseMs * 2 ** c.conflicts);
    switch (this.params.backoff) {
      case 'none':
        return 0;
      case 'exponential':
        return exp2;
      case 'full-jitter':
        return this.rng.uniform(0, exp2);
      case 'equal-jitter':
        return exp2 / 2 + this.rng.uniform(0, exp2 / 2);
      case 'decorrelated':
        c.previousWaitMs = Math.min(capMs, this.rng.uniform(baseMs, 3 * c.previousWaitMs));
        return c.previousWaitMs;
    }
  }
}

export const OCC_CLIENT_KIND: NodeKind<OccClientSpec> = {
  create: (world, index, spec, resolve) =>
    new OccClientNode(world, index, spec.id, {
      store: resolve(spec.store),
      clients: spec.clients,
      key: spec.key,
      startUs: msToUs(spec.startMs),
      backoff: spec.backoff,
      baseMs: spec.baseMs,
      capMs: spec.capMs,
      readFrom: spec.readFrom,
    }),
};
