/**
 * One message's whole life through the messaging patterns: every record that follows it —
 * published, received (with its count), visible again, deleted, dead-lettered at a queue
 * (sim/patterns/message-queue.ts); published and delivered per subscription at a topic
 * (topic.ts); appended at a log and processed by a group's member (partitioned-log.ts); and
 * processing at a consumer. They are call records whose call is the message's id (the id of
 * the request that published it), so the index is built once per store and extended as
 * records arrive; a lookup is a map access, not a scan of the trace.
 */
import type { TraceStore } from '../../trace/store.ts';

/** Whether a call record at `layer` with `event` is about a message (its call field the message id). */
export function isMessageEvent(layer: string, event: string): boolean {
  if (layer === 'mq' || layer === 'topic' || layer.startsWith('consume:')) return true;
  if (layer === 'log') return event.startsWith('appended:');
  if (layer.startsWith('log:')) return event.startsWith('processed:') || event.startsWith('failed:');
  return false;
}

class LifeIndex {
  readonly byId = new Map<number, number[]>();
  scanned = 0;

  constructor(readonly store: TraceStore) {}

  update(): void {
    const s = this.store;
    const call = s.code('call');
    if (call < 0) {
      this.scanned = s.count;
      return;
    }
    const idField = s.field(call, 'call');
    const layerField = s.field(call, 'layer');
    const eventField = s.field(call, 'event');
    for (let i = this.scanned; i < s.count; i++) {
      if (s.k[i] !== call || !isMessageEvent(s.str(i, layerField), s.str(i, eventField))) continue;
      const id = s.num(i, idField);
      let list = this.byId.get(id);
      if (list === undefined) this.byId.set(id, (list = []));
      list.push(i);
    }
    this.scanned = s.count;
  }
}

const indexes = new WeakMap<TraceStore, LifeIndex>();

/** The records of message `id`'s life recorded so far, in trace order (indexes into the store). */
export function messageLife(store: TraceStore, id: number): number[] {
  let index = indexes.get(store);
  if (index === undefined) indexes.set(store, (index = new LifeIndex(store)));
  index.update();
  const list = index.byId.get(id);
  return list === undefined ? [] : list.slice();
}

/** The message a record is about, if it is a messaging call record; else null. */
export function messageOfRecord(store: TraceStore, i: number): number | null {
  const call = store.code('call');
  if (call < 0 || store.k[i] !== call) return null;
  const layer = store.str(i, store.field(call, 'layer'));
  const event = store.str(i, store.field(call, 'event'));
  return isMessageEvent(layer, event) ? store.num(i, store.field(call, 'call')) : null;
}
