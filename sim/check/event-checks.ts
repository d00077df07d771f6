import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * Event-sourcing checkers, rebuilt from trace records alone (never from the store's state).
 *
 * `EventStreams` (one per event store, sim/patterns/event-store.ts): each aggregate's stream
 * gets versions 1, 2, 3… with no gap or repeat, and the log's positions 0, 1, 2… likewise; an
 * append expecting a stale version is refused (a conflict) and one expecting the current
 * version is not; every load (a replay from a snapshot) and every snapshot equals the fold of
 * the stream up to its version — so a snapshot that replays from the wrong place, or a replay
 * that skips or repeats an event, is caught the first time it is used.
 *
 * Records (call records at the store, layer `es`, call = aggregate): `history:v<n>:<total>`,
 * `loaded:v<n>:<total>:r<replayed>`, `appended:v<n>:p<position>:+<amount>`,
 * `conflict:v<expected>≠v<current>`, `snapshot:v<n>:<total>`.
 */
export class EventStreams implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call'] as const;
  readonly scope: TraceScope;
  readonly unit = 'stream operations';
  /** Per aggregate, its total after each version (index = version; NaN where history hides it). */
  private readonly totals = new Map<number, number[]>();
  private nextPosition = 0;

  constructor(private readonly store: string) {
    this.scope = { nodes: [store], layer: 'es' };
  }

  describe(): string {
    return `${this.store} keeps every stream gapless, refuses only stale appends, and replays to the state it had`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    this.examined++;
    const aggregate = r.call as number;
    const [what, ...fields] = (r.event as string).split(':');
    const totals = this.totalsOf(aggregate);
    const current = totals.length - 1;
    switch (what) {
      case 'history':
        return this.history(totals, Number(fields[0].slice(1)), Number(fields[1]));
      case 'appended':
        return this.appended(r, aggregate, totals, Number(fields[0].slice(1)), Number(fields[1].slice(1)), Number(fields[2].slice(1)));
      case 'conflict': {
        const [expected, actual] = fields[0].slice(1).split('≠v').map(Number);
        if (actual !== current) return this.fail(r, `a conflict on aggregate ${aggregate} says its version is ${actual}, but its stream has ${current} events`);
        if (expected === current) return this.fail(r, `an append to aggregate ${aggregate} expecting version ${expected} was refused, though that is the current version`);
        return;
      }
      case 'loaded':
      case 'snapshot':
        return this.sameAsFold(r, aggregate, totals, what, Number(fields[0].slice(1)), Number(fields[1]));
    }
  }

  private totalsOf(aggregate: number): number[] {
    let t = this.totals.get(aggregate);
    if (t === undefined) this.totals.set(aggregate, (t = [0]));
    return t;
  }

  /** A stream that exists at time 0: `version` events (totals before the last unknown). */
  private history(totals: number[], version: number, total: number): void {
    for (let v = 1; v < version; v++) totals.push(NaN);
    if (version > 0) totals.push(total);
    this.nextPosition += version;
  }

  private appended(r: TraceRecord, aggregate: number, totals: number[], version: number, position: number, amount: number): void {
    const current = totals.length - 1;
    if (version !== current + 1) return this.fail(r, `aggregate ${aggregate} got version ${version} after ${current}: a stream must have no gap or repeat`);
    if (position !== this.nextPosition) return this.fail(r, `an event went to log position ${position}, but the next position is ${this.nextPosition}`);
    this.nextPosition++;
    totals.push(totals[current] + amount);
  }

  /** A load or snapshot at `version` must hold the fold of the stream's first `version` events. */
  private sameAsFold(r: TraceRecord, aggregate: number, totals: number[], what: string, version: number, total: number): void {
    const current = totals.length - 1;
    if (version > current) return this.fail(r, `a ${what} of aggregate ${aggregate} is at version ${version}, beyond its ${current} events`);
    const expected = totals[version];
    if (!Number.isNaN(expected) && expected !== total) {
      this.fail(r, `a ${what} of aggregate ${aggregate} at version ${version} holds total ${total}, but its events add up to ${expected}`);
    }
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}
