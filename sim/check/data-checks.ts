import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * Data-store checkers, rebuilt from trace records alone (never from the store's own state).
 *
 * `StoreVersions` (one per versioned store, sim/patterns/versioned-store.ts): per key, every
 * successful write moves the version up by exactly one; a conditional write fails (a conflict)
 * only when the version it expected is not the current one; a read answers the current one.
 * So the store is a linearizable compare-and-set register per key, and a lost update — two
 * writers both succeeding from the same version — cannot hide.
 *
 * Records (call records at the store, layer `store`, call = key): `read:v<n>`, `write:v<n>`,
 * `cas:v<expected>→v<n>`, `conflict:v<expected>≠v<current>`, and a shard's handover:
 * `export:v<n>` (the current version), `import:v<n>` (the key's version from now on).
 */
export class StoreVersions implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call'] as const;
  readonly scope: TraceScope;
  readonly unit = 'reads and writes';
  private readonly versions = new Map<number, number>();

  constructor(private readonly store: string) {
    this.scope = { nodes: [store], layer: 'store' };
  }

  describe(): string {
    return `${this.store} moves each key's version up by one per write, and refuses only stale conditional writes`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    const key = r.call as number;
    const event = r.event as string;
    const current = this.versions.get(key) ?? 0;
    this.examined++;
    if (event.startsWith('read:v')) {
      const v = Number(event.slice('read:v'.length));
      if (v !== current) this.fail(r, `a read of key ${key} answered version ${v}, but the writes leave ${current}`);
    } else if (event.startsWith('write:v')) {
      const v = Number(event.slice('write:v'.length));
      if (v !== current + 1) this.fail(r, `a write of key ${key} made version ${v} from ${current}: an update was lost or invented`);
      this.versions.set(key, v);
    } else if (event.startsWith('cas:v')) {
      const [expected, v] = event.slice('cas:v'.length).split('→v').map(Number);
      if (expected !== current) this.fail(r, `a conditional write of key ${key} expecting version ${expected} succeeded at version ${current}: a lost update`);
      else if (v !== current + 1) this.fail(r, `a write of key ${key} made version ${v} from ${current}: an update was lost or invented`);
      this.versions.set(key, v);
    } else if (event.startsWith('export:v')) {
      const v = Number(event.slice('export:v'.length));
      if (v !== current) this.fail(r, `key ${key} was handed over at version ${v}, but the writes leave ${current}`);
    } else if (event.startsWith('import:v')) {
      // A key taken over from another store starts from the version it had there (the shard
      // checks, shard-checks.ts, hold that it is the version the old store exported).
      this.versions.set(key, Number(event.slice('import:v'.length)));
    } else if (event.startsWith('conflict:v')) {
      const [expected, actual] = event.slice('conflict:v'.length).split('≠v').map(Number);
      if (actual !== current) this.fail(r, `a conflict on key ${key} says the version is ${actual}, but the writes leave ${current}`);
      else if (expected === current) this.fail(r, `a conditional write of key ${key} expecting version ${expected} was refused, though that is the current version`);
    }
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}
