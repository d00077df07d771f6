import { ShardOwnership } from '../check/shard-checks.ts';
import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { isResponsePayload, REQUEST, requestKey, RESPONSE, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import { makeShardMap, resizeShardMap, type KeyMove, type ShardMap, type ShardScheme } from './shard-map.ts';
import { shardsAfterResize } from './shard-router.defaults.ts';
import type { ShardRouterSpec } from './shard-router.schema.ts';
import { RESPONSE_MOVED, STORE_EXPORT, STORE_IMPORTED, STORE_READ, STORE_VALUE, type ExportRequest, type ImportRequest, type ReadRequest } from './versioned-store.ts';

/**
 * A shard router: requests for a key (from an ordinary workload whose target is the router;
 * the request's payload is its key) go to the store that owns the key under the shard map
 * (shard-map.ts), and the router answers the client when that shard has answered. A share
 * `readFraction` of single-key requests are reads (STORE_READ), the rest unconditional writes
 * (a plain REQUEST to the store); a share `scatterFraction` are scatter-gather queries, sent
 * to every shard and answered when the slowest shard has answered — the tail at scale.
 *
 * Resharding (`resize`): at `atMs` the router computes the keys the new map moves and moves
 * them one at a time at `moveKeysPerSec`. A move takes 1 / that rate (the copy's time and
 * bandwidth), then the router asks the old shard to export the key: atomically, the old shard
 * hands the key's version to the new one and refuses the key from then on (`moved`). Until the
 * new shard confirms, the move is a declared handoff: requests for the key still go to the old
 * owner, and one it refuses waits here for the move to finish and then goes to the new owner.
 * After the move, the key's requests go to the new owner. A shard that crashes takes only its
 * own keys' requests with it. If the old shard is down when its export is due, the router asks
 * again every second.
 *
 * Metrics `<id>.*`: requests, reads, writes, scatters, redirects, `shard.<shard>.requests`
 * (every request a shard was sent, scatter legs included), loadMaxMean (the busiest shard's
 * requests over the mean, over every shard the router knows), keysToMove, keysMoved,
 * keysMovedShare (of keySpace), requestMs (single-key) and scatterMs (scatter-gather).
 * Records (call records at the router, layer `shard`, call = the key): `route:<shard>`,
 * `redirect:<shard>` (a refused request sent on to the new owner), `move-start:<from>→<to>`,
 * `move-end:<from>→<to>`. States: `shard.requests.<shard>`, `shard.load` (max/mean, 2 decimals),
 * `shard.moved` (`<moved>/<to move>`), `shard.moving` (the key in handoff, or '').
 */

export const SHARD_LAYER = 'shard';

export interface ShardRouterParams {
  readonly shards: readonly string[];
  readonly scheme: ShardScheme;
  readonly virtualNodes: number;
  readonly keySpace: number;
  readonly readFraction: number;
  readonly scatterFraction: number;
  readonly resize: { readonly atUs: Micros; readonly next: readonly string[]; readonly moveUs: Micros } | null;
}

/** A single-key request on its way to a shard. */
interface Forward {
  readonly client: Message;
  readonly key: number;
  readonly read: boolean;
  readonly startedAt: Micros;
}

/** A scatter-gather query waiting for its slowest shard. */
interface Scatter {
  readonly client: Message;
  readonly startedAt: Micros;
  remaining: number;
}

const TIMER_RESIZE = 0;
const TIMER_COPY = 1;
const TIMER_COPY_AGAIN = 2;
/** How long the router waits for a move's confirmation before it asks the old shard again. */
const COPY_RETRY_US: Micros = 1_000_000;
/** Scatter-gather queries read this key at every shard: a query about no key in particular. */
const SCATTER_KEY = 0;

function routerMetrics() {
  return {
    requests: new Counter(),
    reads: new Counter(),
    writes: new Counter(),
    scatters: new Counter(),
    redirects: new Counter(),
    keysMoved: new Counter(),
    keysToMove: new Gauge(),
    keysMovedShare: new Gauge(),
    loadMaxMean: new Gauge(),
    requestMs: durationHistogram(),
    scatterMs: durationHistogram(),
  };
}

/** What survives a router crash: how far the resize got (the map is configuration). */
interface RouterProgress {
  started: boolean;
  /** Moves finished. */
  done: number;
  /** Whether move `done` has started (its handoff declared). */
  moving: boolean;
}

export class ShardRouterNode extends SimNode {
  private readonly m: ReturnType<typeof routerMetrics>;
  /** Every shard the router may send to (the initial ones and an added one), by id. */
  private readonly all: readonly string[];
  private readonly before: ShardMap;
  private readonly moves: readonly KeyMove[];
  /** Move index by key. */
  private readonly moveOf = new Map<number, number>();
  private readonly perShard: Counter[];
  private readonly sinceStart: number[];
  private totalSinceStart = 0;
  private maxShardRequests = 0;
  private loadShown = '';
  private pending = new Map<number, Forward | Scatter>();
  /** Requests refused by an old owner during their key's move: sent on when it ends. */
  private parked = new Map<number, Forward[]>();

  constructor(world: World, index: number, name: string, readonly params: ShardRouterParams, private readonly indexOf: (shard: string) => number) {
    super(world, index, name, 'shard-router');
    const opts = { keySpace: params.keySpace, virtualNodes: params.virtualNodes };
    this.all = [...new Set([...params.shards, ...(params.resize?.next ?? [])])];
    this.perShard = this.all.map(() => new Counter());
    this.sinceStart = this.all.map(() => 0);
    const perShard = Object.fromEntries(this.all.map((s, i) => [`shard.${s}.requests`, this.perShard[i]]));
    this.m = world.sim.metrics.group(name, { ...routerMetrics(), ...perShard });
    this.before = makeShardMap(params.scheme, params.shards, opts);
    this.moves = params.resize === null ? [] : resizeShardMap(this.before, params.resize.next, opts).moves;
    this.moves.forEach((mv, i) => this.moveOf.set(mv.key, i));
  }

  override start(): void {
    const r = this.params.resize;
    if (r === null || this.progress.done === this.moves.length) return;
    // A restarted router resumes the move it was making (an export is safe to repeat).
    if (this.progress.started) this.startMove();
    else this.setTimer(Math.max(0, r.atUs - this.now), TIMER_RESIZE);
  }

  override onCrash(): void {
    this.pending = new Map();
    this.parked = new Map();
  }

  override onMessage(msg: Message): void {
    if (msg.type === REQUEST) this.onRequest(msg);
    else if (msg.type === STORE_VALUE || msg.type === RESPONSE) this.onShardAnswer(msg);
    else if (msg.type === STORE_IMPORTED) this.onImported(msg.payload as ImportRequest);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_RESIZE) this.beginResize();
    else if (tag === TIMER_COPY || tag === TIMER_COPY_AGAIN) this.copy(data as number);
  }

  /** The shard that owns `key` now: its new owner once its move is done, else the old one (in a handoff too). */
  owner(key: number): string {
    const i = this.moveOf.get(key);
    return i !== undefined && i < this.progress.done ? this.moves[i].to : this.before.ownerOf(key);
  }

  /** Where a key's request goes. A hook for tests that plant a misrouting bug. */
  protected route(key: number): string {
    return this.owner(key);
  }

  /** Whether a move copies the key. A hook for tests that plant a resize that drops keys. */
  protected copies(_move: KeyMove): boolean {
    return true;
  }

  // --- requests ----------------------------------------------------------------------------

  private onRequest(msg: Message): void {
    this.m.requests.add();
    if (this.rng.bernoulli(this.params.scatterFraction)) return this.scatter(msg);
    const key = requestKey(msg.payload, 0);
    const read = this.rng.bernoulli(this.params.readFraction);
    (read ? this.m.reads : this.m.writes).add();
    this.forward({ client: msg, key, read, startedAt: this.now }, 'route');
  }

  private forward(f: Forward, how: 'route' | 'redirect'): void {
    const shard = this.route(f.key);
    this.callEvent(f.key, SHARD_LAYER, `${how}:${shard}`);
    const to = this.indexOf(shard);
    const sent = f.read ? this.send(to, STORE_READ, { key: f.key, who: -1 } satisfies ReadRequest) : this.send(to, REQUEST, f.key);
    this.pending.set(sent.id, f);
    this.countFor(shard);
  }

  private scatter(msg: Message): void {
    this.m.scatters.add();
    const shards = this.scatterShards();
    const s: Scatter = { client: msg, startedAt: this.now, remaining: shards.length };
    for (const shard of shards) {
      const sent = this.send(this.indexOf(shard), STORE_READ, { key: SCATTER_KEY, who: -1 } satisfies ReadRequest);
      this.pending.set(sent.id, s);
      this.countFor(shard);
    }
  }

  /** Every shard that may hold keys: the old ones until the resize is over, and the new one once it started. */
  private scatterShards(): readonly string[] {
    const r = this.params.resize;
    if (r === null || !this.progress.started) return this.params.shards;
    return this.progress.done === this.moves.length ? r.next : this.all;
  }

  private onShardAnswer(msg: Message): void {
    const p = this.pending.get(msg.parent);
    if (p === undefined) return;
    this.pending.delete(msg.parent);
    if ('remaining' in p) {
      if (--p.remaining > 0) return;
      this.m.scatterMs.record(this.now - p.startedAt);
      this.send(p.client.from, RESPONSE, RESPONSE_OK, p.client.id);
      return;
    }
    const answer = msg.type === RESPONSE && isResponsePayload(msg.payload) ? msg.payload : RESPONSE_OK;
    if (answer.reason === RESPONSE_MOVED.reason) return this.redirect(p);
    this.m.requestMs.record(this.now - p.startedAt);
    this.send(p.client.from, RESPONSE, answer satisfies ResponsePayload, p.client.id);
  }

  /** The old owner refused the key: it has been exported. Wait for the move to end, or go on now if it has. */
  private redirect(f: Forward): void {
    this.m.redirects.add();
    const i = this.moveOf.get(f.key);
    if (i !== undefined && i >= this.progress.done) {
      const waiting = this.parked.get(f.key);
      if (waiting === undefined) this.parked.set(f.key, [f]);
      else waiting.push(f);
      return;
    }
    this.forward(f, 'redirect');
  }

  private countFor(shard: string): void {
    const i = this.all.indexOf(shard);
    this.perShard[i].add();
    // Badges and the load ratio count from time 0 (counters restart after a warm-up).
    const n = ++this.sinceStart[i];
    this.state(`shard.requests.${shard}`, n);
    if (n > this.maxShardRequests) this.maxShardRequests = n;
    const total = ++this.totalSinceStart;
    const ratio = this.maxShardRequests / (total / this.sinceStart.length);
    this.m.loadMaxMean.set(this.now, ratio);
    const shown = ratio.toFixed(2);
    if (shown !== this.loadShown) this.state('shard.load', (this.loadShown = shown));
  }

  // --- resharding --------------------------------------------------------------------------

  private beginResize(): void {
    this.progress.started = true;
    this.m.keysToMove.set(this.now, this.moves.length);
    this.state('shard.moved', `0/${this.moves.length}`);
    this.startMove();
  }

  private startMove(): void {
    const i = this.progress.done;
    if (i >= this.moves.length) return this.state('shard.moving', '');
    const mv = this.moves[i];
    // A router restarted mid-move resumes the declared handoff rather than declaring it again.
    if (!this.progress.moving) {
      this.progress.moving = true;
      this.callEvent(mv.key, SHARD_LAYER, `move-start:${mv.from}→${mv.to}`);
      this.state('shard.moving', mv.key);
    }
    this.setTimer(this.params.resize!.moveUs, TIMER_COPY, i);
  }

  /** The move's time is up: the old shard exports the key (and again if no confirmation comes). */
  private copy(i: number): void {
    if (i !== this.progress.done) return;
    const mv = this.moves[i];
    if (!this.copies(mv)) return this.finishMove(i);
    this.send(this.indexOf(mv.from), STORE_EXPORT, { key: mv.key, to: this.indexOf(mv.to) } satisfies ExportRequest);
    this.setTimer(COPY_RETRY_US, TIMER_COPY_AGAIN, i);
  }

  private onImported(imp: ImportRequest): void {
    const i = this.progress.done;
    if (i < this.moves.length && this.moves[i].key === imp.key) this.finishMove(i);
  }

  private finishMove(i: number): void {
    const mv = this.moves[i];
    this.progress.done = i + 1;
    this.progress.moving = false;
    this.callEvent(mv.key, SHARD_LAYER, `move-end:${mv.from}→${mv.to}`);
    this.m.keysMoved.add();
    this.m.keysMovedShare.set(this.now, this.progress.done / this.params.keySpace);
    this.state('shard.moved', `${this.progress.done}/${this.moves.length}`);
    const waiting = this.parked.get(mv.key);
    if (waiting !== undefined) {
      this.parked.delete(mv.key);
      for (const f of waiting) this.forward(f, 'redirect');
    }
    this.startMove();
  }

  private get progress(): RouterProgress {
    return ((this.durable as { progress?: RouterProgress }).progress ??= { started: false, done: 0, moving: false });
  }
}

export const SHARD_ROUTER_KIND: NodeKind<ShardRouterSpec> = {
  create: (world, index, spec, resolve) =>
    new ShardRouterNode(
      world,
      index,
      spec.id,
      {
        shards: spec.shards,
        scheme: spec.scheme,
        virtualNodes: spec.virtualNodes,
        keySpace: spec.keySpace,
        readFraction: spec.readFraction,
        scatterFraction: spec.scatterFraction,
        resize: spec.resize === undefined ? null : { atUs: msToUs(spec.resize.atMs), next: shardsAfterResize(spec), moveUs: Math.max(1, Math.round(1e6 / spec.resize.moveKeysPerSec)) },
      },
      resolve,
    ),
  invariants: (spec) => {
    const check = new ShardOwnership(spec);
    return [{ name: check.describe(), invariant: check }];
  },
};
