/**
 * The event log's filters: which records pass (by kind, by node, by text), kept as a list of
 * record indexes that grows with the recording. A run can record millions of records, so the
 * kind and node tests read the store's typed columns directly, the text test (which must turn
 * a record into its line) only runs on records the cheap tests let through, and each filter's
 * list is cached and extended with new records rather than rebuilt when the store grows. A
 * search can be spread over frames (a deadline per update), and typing one more letter only
 * searches what the shorter text found.
 */
import { FIELDS } from '../../trace/codec.ts';
import { I32 } from '../../trace/grow.ts';
import type { MessageIndex } from '../../trace/messages.ts';
import type { TraceStore } from '../../trace/store.ts';
import { messageTypeId } from './flight.ts';
import { LINE_KINDS, LINE_SEPARATORS, LINE_WORDS, recordLine } from './records.ts';

export interface LogFilter {
  /** Kind names not shown (so a kind first seen later is shown). */
  hiddenKinds: ReadonlySet<string>;
  /** Only records on this node or naming it (a message's other end); -1 for every node. */
  node: number;
  /** Only records whose line (node, kind, fields) contains this text, ignoring case; '' for all. */
  text: string;
}

export const NO_FILTER: LogFilter = { hiddenKinds: new Set(), node: -1, text: '' };

/** A stable text key for a filter, for caching. */
export function filterKey(filter: LogFilter): string {
  return JSON.stringify([[...filter.hiddenKinds].sort(), filter.node, filter.text.toLowerCase()]);
}

/** Records tested between looks at the clock when a deadline is given. */
const CLOCK_EVERY = 1024;

/** The indexes of the records that pass one filter, in record order. */
export class FilteredRecords {
  readonly indexes = new I32(1024);
  /** Records [0, scanned) of the store have been tested. */
  private scanned = 0;
  private readonly text: string;
  /** Per kind code: 1 when shown. Rebuilt when new kinds arrive. */
  private shownKinds = new Uint8Array(256);
  /** Per kind code: the positions of its string fields (which may name the node). */
  private stringFields: number[][] = [];
  private kindsSeen = -1;
  private readonly lower: string[] = [];
  /** A piece of the search text to look for in single strings first (see `shortcutToken`), or null. */
  private readonly token: string | null;
  /** Per string id: 1 when the string (lower-cased) contains `token`. */
  private tokenIn = new Uint8Array(0);
  /** Per kind code: 1 when its lines must always be made to be searched (no shortcut). */
  private fullKinds = new Uint8Array(256);
  /** Per kind code: position of the `msg` field of drops and copies, whose lines name the message's type; -1 otherwise. */
  private typedMsgField: number[] = [];
  /** Narrowing a looser filter's list: the part of it still to test. */
  private looser: { indexes: I32; next: number; end: number; scanned: number } | null = null;

  /**
   * `looser`: the complete list of a filter that passes everything this one passes (the same
   * text with fewer letters typed, say); only its records need testing, not the whole trace.
   */
  constructor(
    private readonly store: TraceStore,
    readonly filter: LogFilter,
    looser: FilteredRecords | null = null,
  ) {
    this.text = filter.text.toLowerCase();
    this.token = shortcutToken(this.text);
    if (looser && looser.complete) this.looser = { indexes: looser.indexes, next: 0, end: looser.count, scanned: looser.scanned };
  }

  get count(): number {
    return this.indexes.n;
  }

  /** Every record of the store has been tested. */
  get complete(): boolean {
    return this.looser === null && this.scanned >= this.store.count;
  }

  /** How far the testing has come, 0..1. */
  get progress(): number {
    const looser = this.looser;
    if (looser) return looser.end === 0 ? 0 : (looser.next / looser.end) * (looser.scanned / Math.max(1, this.store.count));
    return this.store.count === 0 ? 1 : this.scanned / this.store.count;
  }

  /**
   * Tests the records not tested yet (those that arrived since the last update, or all of
   * them the first time). With a `deadline` (a performance.now() time) it stops once that
   * passes, so a long search can be spread over frames; returns whether it is complete.
   */
  update(deadline = Infinity): boolean {
    const store = this.store;
    if (store.kinds.length !== this.kindsSeen) this.learnKinds();
    // New strings may have come with new records: extend the tables the tests read.
    if (this.text !== '') this.lowerCaseStrings();
    if (this.token !== null) this.tokenHits();
    // The clock is read after every CLOCK_EVERY records, so each call always gets somewhere.
    const looser = this.looser;
    if (looser) {
      while (looser.next < looser.end) {
        const stop = Math.min(looser.end, looser.next + CLOCK_EVERY);
        for (let p = looser.next; p < stop; p++) {
          const i = looser.indexes.a[p];
          if (this.passes(i)) this.indexes.push(i);
        }
        looser.next = stop;
        if (performance.now() > deadline && stop < looser.end) return false;
      }
      this.scanned = looser.scanned;
      this.looser = null;
    }
    while (this.scanned < store.count) {
      const stop = Math.min(store.count, this.scanned + CLOCK_EVERY);
      for (let i = this.scanned; i < stop; i++) if (this.passes(i)) this.indexes.push(i);
      this.scanned = stop;
      if (performance.now() > deadline && stop < store.count) return false;
    }
    return true;
  }

  /** Does record i pass? The cheap tests on the columns first, the line only if they pass. */
  private passes(i: number): boolean {
    const store = this.store;
    if (this.shownKinds[store.k[i]] === 0) return false;
    const node = this.filter.node;
    if (node >= 0 && !this.involves(i, node)) return false;
    if (this.text === '') return true;
    if (this.token !== null && this.fullKinds[store.k[i]] === 0 && !this.mayContainToken(i)) return false;
    return recordLine(store, i, this.lower).includes(this.text);
  }

  /**
   * The shortcut: can record i's line contain the token at all? Only if one of the strings it
   * is made of does (its node, a string field, the type of a dropped message): a few array
   * reads instead of making the line.
   */
  private mayContainToken(i: number): boolean {
    const store = this.store;
    const hits = this.tokenIn;
    if (hits[store.node[i]] === 1) return true;
    const kind = store.k[i];
    const base = i * FIELDS;
    const fields = this.stringFields[kind];
    for (let n = 0; n < fields.length; n++) if (hits[store.f[base + fields[n]]] === 1) return true;
    const msgField = this.typedMsgField[kind];
    if (msgField >= 0) {
      const type = messageTypeId(store, store.num(i, msgField));
      if (type >= 0 && hits[type] === 1) return true;
    }
    return false;
  }

  private tokenHits(): Uint8Array {
    const strings = this.lowerCaseStrings();
    if (this.tokenIn.length < strings.length) {
      const hits = new Uint8Array(strings.length);
      hits.set(this.tokenIn);
      for (let id = this.tokenIn.length; id < strings.length; id++) hits[id] = strings[id].includes(this.token!) ? 1 : 0;
      this.tokenIn = hits;
    }
    return this.tokenIn;
  }

  /** How many passing records have an index below `limit` (e.g. `store.upperBound(cursor)`). */
  countBelow(limit: number): number {
    return lowerBound(this.indexes.a, this.indexes.n, limit);
  }

  /** Position of record `index` in the list, or -1 if it does not pass. */
  positionOf(index: number): number {
    const at = lowerBound(this.indexes.a, this.indexes.n, index);
    return at < this.indexes.n && this.indexes.a[at] === index ? at : -1;
  }

  /** Record index at a position of the list. */
  at(position: number): number {
    return this.indexes.a[position];
  }

  /** Is record i on `node`, or does one of its fields name it (a send's `to`, a deliver's `from`)? */
  private involves(i: number, node: number): boolean {
    const store = this.store;
    if (store.nodeOfString[store.node[i]] === node) return true;
    const base = i * FIELDS;
    for (const j of this.stringFields[store.k[i]]) {
      if (store.nodeOfString[store.f[base + j]] === node) return true;
    }
    return false;
  }

  /** The store's string table in lower case (lines made from it need no lower-casing each). */
  private lowerCaseStrings(): string[] {
    const strings = this.store.strings;
    if (this.lower.length === strings.length) return this.lower;
    for (let id = this.lower.length; id < strings.length; id++) this.lower.push(strings[id].toLowerCase());
    return this.lower;
  }

  private learnKinds(): void {
    const kinds = this.store.kinds;
    this.shownKinds = new Uint8Array(256);
    this.stringFields = kinds.map((kind) => kind.strings.flatMap((isString, j) => (isString ? [j] : [])));
    this.fullKinds = new Uint8Array(256);
    kinds.forEach((kind, code) => {
      this.shownKinds[code] = this.filter.hiddenKinds.has(kind.name) ? 0 : 1;
      this.fullKinds[code] = !LINE_KINDS.has(kind.name) || (this.token !== null && kind.name.includes(this.token)) ? 1 : 0;
    });
    this.typedMsgField = kinds.map((kind) => (kind.name === 'drop' || kind.name === 'dup' ? kind.fields.indexOf('msg') : -1));
    this.kindsSeen = kinds.length;
  }
}

/**
 * The longest piece of search text between LINE_SEPARATORS that is neither number-like nor
 * part of a LINE_WORDS word, or null: lines that contain the text contain that piece within
 * one of their strings (records.ts says why), so a record none of whose strings contains it
 * can be passed over without making its line.
 */
export function shortcutToken(text: string): string | null {
  let best: string | null = null;
  for (const piece of text.toLowerCase().split(new RegExp(LINE_SEPARATORS.source, 'g'))) {
    if (!/[^0-9.eE+-]/.test(piece) || LINE_WORDS.some((w) => w.includes(piece))) continue;
    if (best === null || piece.length > best.length) best = piece;
  }
  return best;
}

/** How many filters keep their lists (toggling a kind off and on again costs nothing). */
const CACHED_FILTERS = 6;

/**
 * The filtered lists of the last few filters, each kept up to date with the store. A new
 * filter that only narrows a cached one (a letter more of search text, a kind hidden) starts
 * from that one's list. A what-if branch cuts the recording back (TraceStore.truncateAfter,
 * which rebuilds the store's message index): then every list is dropped and rebuilt.
 */
export class FilterCache {
  private readonly lists = new Map<string, FilteredRecords>();
  private store: TraceStore | null = null;
  private messages: MessageIndex | null = null;
  private seenCount = 0;

  /** The list for a filter; call its `update` to bring it up to date. */
  get(store: TraceStore, filter: LogFilter): FilteredRecords {
    if (store !== this.store || store.messages !== this.messages || store.count < this.seenCount) {
      this.lists.clear();
      this.store = store;
      this.messages = store.messages;
    }
    this.seenCount = store.count;
    const key = filterKey(filter);
    let list = this.lists.get(key);
    if (list) {
      // Most recently used last, so the oldest is first to go.
      this.lists.delete(key);
    } else {
      const looser = [...this.lists.values()].reverse().find((l) => l.complete && narrows(filter, l.filter));
      list = new FilteredRecords(store, filter, looser ?? null);
      if (this.lists.size >= CACHED_FILTERS) this.lists.delete(this.lists.keys().next().value!);
    }
    this.lists.set(key, list);
    return list;
  }
}

/** Does every record that passes `narrow` pass `wide` too? */
export function narrows(narrow: LogFilter, wide: LogFilter): boolean {
  for (const kind of wide.hiddenKinds) if (!narrow.hiddenKinds.has(kind)) return false;
  if (wide.node >= 0 && wide.node !== narrow.node) return false;
  return narrow.text.toLowerCase().includes(wide.text.toLowerCase());
}

/** First position in a[0, n) whose value is ≥ x (a sorted ascending). */
function lowerBound(a: Int32Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
