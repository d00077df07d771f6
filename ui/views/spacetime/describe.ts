/**
 * The space-time diagram's tooltip text for a message, as the cursor sees it: what it is, who
 * sent it to whom, when, and how it ended — if it has ended by the cursor (the recording may
 * run ahead of it, and the tooltip must not tell the future). Plain text, set as text.
 */
import { formatSimTime } from '../../format.ts';
import { DELIVERED, DROPPED } from '../../trace/messages.ts';
import type { TraceStore } from '../../trace/store.ts';

export function describeMessage(store: TraceStore, idx: number, cursorUs: number, labelOf: (node: number) => string): string {
  const m = store.messages;
  const type = store.strings[m.type.a[idx]] || 'message';
  const sent = m.sendT.a[idx];
  const ended = m.endT.a[idx] <= cursorUs ? m.end.a[idx] : 0;
  const head = `${type} #${m.msg.a[idx]}: ${labelOf(m.from.a[idx])} → ${labelOf(m.to.a[idx])}`;
  let tail = `sent ${formatSimTime(sent)}`;
  if (ended === DELIVERED) tail += `, delivered ${formatSimTime(m.endT.a[idx])} (${formatSimTime(m.endT.a[idx] - sent)} on the wire)`;
  else if (ended === DROPPED) tail += `, dropped ${formatSimTime(m.endT.a[idx])}: ${store.strings[m.reason.a[idx]] || 'no reason given'}`;
  else tail += ', still in flight';
  return `${head}\n${tail}`;
}
