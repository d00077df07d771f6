import type { TraceRecord } from '../engine/trace.ts';
import { makeShardMap, type ShardMap, type ShardScheme } from '../patterns/shard-map.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * The shard router's checker (sim/patterns/shard-router.ts), rebuilt from trace records alone:
 * the initial owners come from the declared map (scheme, shards, keySpace, virtualNodes —
 * configuration, computed here independently of the router), every change of owner from the
 * router's recorded moves, and every key's version at every shard from the stores' records.
 *
 * - Every key has exactly one owning shard outside a declared handoff: each request is routed
 *   (or redirected) to the key's owner — during the key's move (between `move-start` and
 *   `move-end`) the old one — and a move starts from the key's owner and only once at a time.
 * - No acknowledged write is lost in a resize: when a move ends, the new shard holds the
 *   version the old one had (the last write it acknowledged), and no shard acknowledges a
 *   write of a key after it exported it.
 *
 * Records: at the router (layer `shard`) `route:<shard>`, `redirect:<shard>`,
 * `move-start:<from>→<to>`, `move-end:<from>→<to>`; at the stores (layer `store`) `write:v<n>`,
 * `cas:v<e>→v<n>`, `export:v<n>`, `import:v<n>`.
 */
export interface ShardOwnershipSpec {
  readonly id: string;
  readonly shards: readonly string[];
  readonly scheme: ShardScheme;
  readonly keySpace: number;
  readonly virtualNodes: number;
  readonly resize?: { readonly add?: string };
}

export class ShardOwnership implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call'] as const;
  readonly scope: TraceScope;
  readonly unit = 'routings and key moves';
  private readonly router: string;
  private readonly initial: ShardMap;
  private readonly owners = new Map<number, string>();
  private readonly handoffs = new Map<number, { from: string; to: string }>();
  /** Version per shard, then key: what each shard has acknowledged. */
  private readonly versions = new Map<string, Map<number, number>>();
  /** `shard key` of keys a shard has handed over. */
  private readonly exported = new Set<string>();

  constructor(spec: ShardOwnershipSpec) {
    this.router = spec.id;
    this.initial = makeShardMap(spec.scheme, spec.shards, { keySpace: spec.keySpace, virtualNodes: spec.virtualNodes });
    const stores = [...spec.shards, ...(spec.resize?.add === undefined ? [] : [spec.resize.add])];
    this.scope = { nodes: [spec.id, ...stores] };
  }

  describe(): string {
    return `${this.router} routes each key to its one owning shard (outside a declared handoff) and loses no acknowledged write in a resize`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    const key = r.call as number;
    const event = r.event as string;
    if (r.node === this.router) this.onRouter(r, key, event);
    else this.onStore(r, r.node, key, event);
  }

  private owner(key: number): string {
    return this.owners.get(key) ?? this.initial.ownerOf(key);
  }

  private onRouter(r: TraceRecord, key: number, event: string): void {
    const colon = event.indexOf(':');
    const what = event.slice(0, colon);
    const arg = event.slice(colon + 1);
    if (what === 'route' || what === 'redirect') {
      this.examined++;
      const h = this.handoffs.get(key);
      const expected = h === undefined ? this.owner(key) : h.from;
      if (arg !== expected) this.fail(r, `a request for key ${key} went to ${arg}, but its owner is ${expected}${h === undefined ? '' : ' (the old owner, during its move)'}`);
    } else if (what === 'move-start') {
      this.examined++;
      const [from, to] = arg.split('→');
      if (this.handoffs.has(key)) this.fail(r, `key ${key} started a second move while one is in progress`);
      else if (from !== this.owner(key)) this.fail(r, `key ${key} moved from ${from}, but its owner is ${this.owner(key)}`);
      this.handoffs.set(key, { from, to });
    } else if (what === 'move-end') {
      this.examined++;
      this.endMove(r, key, arg);
    }
  }

  private endMove(r: TraceRecord, key: number, arg: string): void {
    const [from, to] = arg.split('→');
    const h = this.handoffs.get(key);
    if (h === undefined || h.from !== from || h.to !== to) return this.fail(r, `key ${key} ended a move ${from}→${to} that never started`);
    this.handoffs.delete(key);
    this.owners.set(key, to);
    const had = this.version(from, key);
    const has = this.version(to, key);
    if (had !== has) this.fail(r, `key ${key} moved from ${from} at version ${had} to ${to}, which holds version ${has}: acknowledged writes were lost in the resize`);
  }

  private onStore(r: TraceRecord, shard: string, key: number, event: string): void {
    if (event.startsWith('export:v')) this.exported.add(`${shard} ${key}`);
    else if (event.startsWith('import:v')) {
      this.exported.delete(`${shard} ${key}`);
      this.setVersion(shard, key, Number(event.slice('import:v'.length)));
    } else if (event.startsWith('write:v') || event.startsWith('cas:v')) {
      if (this.exported.has(`${shard} ${key}`)) this.fail(r, `${shard} acknowledged a write of key ${key} after handing the key over: the write is lost`);
      this.setVersion(shard, key, Number(event.slice(event.lastIndexOf('v') + 1)));
    }
  }

  private version(shard: string, key: number): number {
    return this.versions.get(shard)?.get(key) ?? 0;
  }

  private setVersion(shard: string, key: number, v: number): void {
    let m = this.versions.get(shard);
    if (m === undefined) this.versions.set(shard, (m = new Map()));
    m.set(key, v);
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}
