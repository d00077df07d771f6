/**
 * Which messages the space-time diagram shows: the window of simulated time ending at the
 * playback cursor, its default width (a multiple of the typical flight time, rounded to a
 * 1-2-5 step) and the zoom ladder, and the messages whose flight overlaps the window, found
 * with the message index's binary searches rather than a scan of the whole recording.
 * Pure functions of the MessageIndex, so they are tested without a browser.
 */
import { DELIVERED, type MessageIndex } from '../../trace/messages.ts';
import type { TraceStore } from '../../trace/store.ts';
import { flightOfRecord } from '../log/flight.ts';

/** The default window holds about this many typical flights. */
export const FLIGHTS_PER_WINDOW = 20;
/** Narrowest and widest window the zoom offers, µs. */
export const MIN_WINDOW_US = 10;
export const MAX_WINDOW_US = 1e10;
/** The window before any message has been delivered, µs. */
export const FALLBACK_WINDOW_US = 100_000;
/** How many delivered messages the typical flight time is estimated from. */
const FLIGHT_SAMPLES = 512;
/** Of the drawing budget, at most this share goes to messages sent before the window. */
const CROSSING_SHARE = 0.25;

/** The 1-2-5 step at or above `us` (10 → 10, 11 → 20, 260 → 500). */
export function niceCeil(us: number): number {
  if (!(us > 0)) return MIN_WINDOW_US;
  const decade = 10 ** Math.floor(Math.log10(us));
  for (const m of [1, 2, 5, 10]) {
    // A small tolerance, so 300.0000001 (floating point) is not pushed up to 500.
    if (m * decade >= us * (1 - 1e-9)) return m * decade;
  }
  return 10 * decade;
}

/** The next wider (dir +1) or narrower (dir -1) 1-2-5 step from `us`, within the zoom's range. */
export function zoomStep(us: number, dir: 1 | -1): number {
  const here = niceCeil(us);
  let next: number;
  if (dir > 0) next = here > us * (1 + 1e-9) ? here : niceCeil(here * 1.01);
  else {
    // The step below `here`: 1 → 0.5, 2 → 1, 5 → 2 (of the decade).
    const lead = Math.round(here / 10 ** Math.floor(Math.log10(here) + 1e-9));
    next = lead === 5 ? (here * 2) / 5 : here / 2;
  }
  return Math.min(MAX_WINDOW_US, Math.max(MIN_WINDOW_US, next));
}

/**
 * The median flight time (send to delivery) of delivered messages, sampled evenly over the
 * recording; null before any message has been delivered.
 */
export function typicalFlightUs(m: MessageIndex): number | null {
  const n = m.count;
  if (n === 0) return null;
  const stride = Math.max(1, Math.floor(n / FLIGHT_SAMPLES));
  const flights: number[] = [];
  const end = m.end.a;
  for (let idx = 0; idx < n; idx += stride) {
    if (end[idx] === DELIVERED) flights.push(m.endT.a[idx] - m.sendT.a[idx]);
  }
  if (flights.length === 0) return null;
  flights.sort((a, b) => a - b);
  return flights[Math.floor(flights.length / 2)];
}

/** The window's default width: FLIGHTS_PER_WINDOW typical flights, on the 1-2-5 ladder. */
export function defaultWindowUs(m: MessageIndex): number {
  const flight = typicalFlightUs(m);
  if (flight === null) return FALLBACK_WINDOW_US;
  return Math.min(MAX_WINDOW_US, Math.max(MIN_WINDOW_US * 10, niceCeil(flight * FLIGHTS_PER_WINDOW)));
}

/**
 * Visits the messages whose flight overlaps (fromUs, toUs]: sent at or before `toUs` and not
 * ended by `fromUs` (still in flight then, delivered or dropped later, or never). Returns how
 * many there are (the count of those sent before the window stops at 100 × their budget, see
 * MessageIndex.inFlight). At most about `max` are visited: when there are more, those sent
 * inside the window are thinned evenly, so the picture keeps its shape.
 */
export function visitWindow(m: MessageIndex, fromUs: number, toUs: number, max: number, visit: (idx: number) => void): number {
  // Messages sent before the window that are still on the wire at its left edge.
  const crossingBudget = Math.max(1, Math.floor(max * CROSSING_SHARE));
  let crossingVisited = 0;
  const crossing = m.inFlight(fromUs, crossingBudget, (idx) => {
    crossingVisited++;
    visit(idx);
  });
  // Messages sent inside the window: one contiguous range of the index (sorted by send time).
  const lo = m.sentBy(fromUs);
  const hi = m.sentBy(toUs);
  const inside = hi - lo;
  const budget = max - crossingVisited;
  // Evenly spread over the range, using the whole budget.
  const count = Math.min(inside, Math.max(0, budget));
  for (let k = 0; k < count; k++) visit(lo + Math.floor((k * inside) / count));
  return crossing + Math.max(0, inside);
}

/** The message (flight) index of a send, dup, deliver or drop record, or -1 (the event log's lookup, which handles duplicates). */
export function messageOfRecord(store: TraceStore, record: number): number {
  if (record < 0 || record >= store.count) return -1;
  return flightOfRecord(store, record)?.index ?? -1;
}
