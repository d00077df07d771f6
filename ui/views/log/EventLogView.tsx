/**
 * The event log: every trace record up to the playback cursor, newest at the bottom, one row
 * each (time, node, kind, fields as text), filtered by kind, node and text. Only the rows on
 * screen are in the DOM (rows.ts), the filters scan the store's columns (filter.ts), and while
 * the list is scrolled to its end it follows the cursor. A click selects a record for the
 * inspector; a record selected anywhere is highlighted here and scrolled into view.
 */
import { useCallback, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { formatNumber, formatPercent, formatSimTime } from '../../format.ts';
import type { TraceStore } from '../../trace/store.ts';
import { useCursor, type ViewProps } from '../types.ts';
import { FilterCache, type FilteredRecords, type LogFilter } from './filter.ts';
import { describeRecord, recordKind, recordNode } from './records.ts';
import { contentHeight, maxScrollTop, rowInView, rowWindow, scrollTopForRow } from './rows.ts';
import './link.css';
import './log.css';

const ROW_PX = 22;
/** Until the list is measured. */
const DEFAULT_VIEW_PX = 320;
/** Wall-clock ms of filtering per render; the rest continues after the page has drawn. */
const SEARCH_SLICE_MS = 40;

export default function EventLogView({ store, player, layout, session, selection, onSelect }: ViewProps) {
  const cursorUs = useCursor(player, session);
  const [hiddenKinds, setHiddenKinds] = useState<ReadonlySet<string>>(() => new Set());
  const [node, setNode] = useState(-1);
  const [text, setText] = useState('');
  // Typing stays responsive while a long trace is searched: the list catches up after.
  const searchText = useDeferredValue(text);
  const filter = useMemo<LogFilter>(() => ({ hiddenKinds, node, text: searchText }), [hiddenKinds, node, searchText]);
  const cache = useMemo(() => new FilterCache(), []);
  const list = cache.get(store, filter);
  // A long search goes on in slices between frames (see the effect below), showing what it has so far.
  const complete = list.update(performance.now() + SEARCH_SLICE_MS);
  const [, setSlices] = useState(0);
  useEffect(() => {
    if (complete) return;
    const next = setTimeout(() => setSlices((n) => n + 1), 0);
    return () => clearTimeout(next);
  });
  const limit = store.upperBound(Math.floor(cursorUs));
  const rows = list.countBelow(limit);
  const selectedIndex = selection?.kind === 'record' ? selection.index : -1;

  const scroller = useRef<HTMLDivElement>(null);
  const [viewPx, setViewPx] = useState(DEFAULT_VIEW_PX);
  const [scrollTop, setScrollTop] = useState(0);
  /** Stuck to the newest row (the cursor): true until the reader scrolls up. */
  const [follow, setFollow] = useState(true);
  const top = follow ? maxScrollTop(rows, ROW_PX, viewPx) : scrollTop;
  const shown = rowWindow(top, viewPx, rows, ROW_PX);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewPx(el.clientHeight || DEFAULT_VIEW_PX);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Keep the real scroll position where the rows are drawn from while following.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow && Math.abs(el.scrollTop - top) > 1) el.scrollTop = top;
  }, [follow, top]);

  // Pressing play goes back to following the cursor.
  const playing = player.playing;
  useEffect(() => {
    if (playing) setFollow(true);
  }, [playing]);

  const scrollToRow = useCallback(
    (position: number) => {
      const el = scroller.current;
      if (!el || rowInView(position, shown, top, viewPx, ROW_PX)) return;
      const target = scrollTopForRow(position, viewPx, rows, ROW_PX);
      setFollow(false);
      setScrollTop(target);
      el.scrollTop = target;
    },
    [shown, top, viewPx, rows],
  );

  // A record selected in another view, or shown again by a change of filters: scroll it into
  // view, once per selection and filter (so the reader can scroll away from it).
  const scrolledFor = useRef<{ index: number; list: FilteredRecords | null }>({ index: -1, list: null });
  useEffect(() => {
    const done = scrolledFor.current;
    if (selectedIndex < 0 || (done.index === selectedIndex && done.list === list)) return;
    const position = list.positionOf(selectedIndex);
    if (position < 0 || position >= rows) return;
    scrolledFor.current = { index: selectedIndex, list };
    scrollToRow(position);
  }, [selectedIndex, list, rows, scrollToRow]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    setFollow(el.scrollTop >= maxScrollTop(rows, ROW_PX, viewPx) - 1);
  };

  const select = (index: number) => {
    scrolledFor.current = { index, list };
    setFollow(false);
    onSelect({ kind: 'record', index });
  };

  // Up and down move the selection through the filtered rows; Enter moves the cursor to it.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (rows === 0 || !['ArrowUp', 'ArrowDown', 'Enter'].includes(e.key)) return;
    e.preventDefault();
    // The sandbox steps the clock on arrow keys elsewhere on the page; not here.
    e.stopPropagation();
    const at = selectedIndex < 0 ? -1 : list.positionOf(selectedIndex);
    if (e.key === 'Enter') {
      if (at >= 0) player.seek(store.t[selectedIndex]);
      return;
    }
    const next = at < 0 || at >= rows ? rows - 1 : Math.max(0, Math.min(rows - 1, at + (e.key === 'ArrowDown' ? 1 : -1)));
    select(list.at(next));
    scrollToRow(next);
  };

  return (
    <div className="event-log" data-testid="event-log">
      <LogFilters store={store} layout={layout} hiddenKinds={hiddenKinds} setHiddenKinds={setHiddenKinds} node={node} setNode={setNode} text={text} setText={setText} />
      <p className="log-summary muted" data-testid="log-summary" data-rows={rows} data-complete={complete && text === searchText}>
        {formatNumber(rows)} {rows === 1 ? 'record' : 'records'}
        {rows !== limit ? ` of ${formatNumber(limit)}` : ''} up to {formatSimTime(cursorUs)}
        {!complete ? ` · searching… ${formatPercent(list.progress)}` : text !== searchText ? ' · searching…' : ''}
        <SelectionNote list={list} selectedIndex={selectedIndex} rows={rows} />
      </p>
      <div className="log-table" role="table" aria-label="Event log" aria-rowcount={rows}>
        <div className="log-row log-head" role="row">
          <span role="columnheader">time</span>
          <span role="columnheader">node</span>
          <span role="columnheader">kind</span>
          <span role="columnheader">what</span>
        </div>
        <div className="log-scroll" ref={scroller} onScroll={onScroll} onKeyDown={onKeyDown} tabIndex={0} data-testid="log-scroll">
          <div className="log-content" style={{ height: contentHeight(rows, ROW_PX) }}>
            {Array.from({ length: shown.count }, (_, k) => {
              const position = shown.first + k;
              const index = list.at(position);
              return (
                <LogRow
                  key={index}
                  store={store}
                  index={index}
                  topPx={shown.topPx + k * ROW_PX}
                  selected={index === selectedIndex}
                  onSelect={select}
                  onGoTo={() => player.seek(store.t[index])}
                />
              );
            })}
          </div>
          {rows === 0 && <p className="log-empty muted">{limit === 0 ? 'No records up to the cursor yet.' : 'No record up to the cursor passes the filters.'}</p>}
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  store: TraceStore;
  index: number;
  topPx: number;
  selected: boolean;
  onSelect: (index: number) => void;
  onGoTo: () => void;
}

function LogRow({ store, index, topPx, selected, onSelect, onGoTo }: RowProps) {
  const kind = recordKind(store, index);
  const node = recordNode(store, index);
  const text = describeRecord(store, index);
  return (
    <div
      role="row"
      className={`log-row kind-${kind}${selected ? ' selected' : ''}`}
      style={{ top: topPx }}
      aria-selected={selected}
      onClick={() => onSelect(index)}
      data-testid="log-row"
      data-index={index}
      data-kind={kind}
    >
      <span role="cell" className="log-time">
        {formatSimTime(store.t[index])}
      </span>
      <span role="cell" className="log-node" title={node}>
        {node || '—'}
      </span>
      <span role="cell" className="log-kind">
        {kind}
      </span>
      <span role="cell" className="log-text" title={text}>
        {text}
      </span>
      {selected && (
        <button
          type="button"
          className="log-goto"
          title="Move the playback cursor to this record's time"
          data-testid="log-goto"
          onClick={(e) => {
            e.stopPropagation();
            onGoTo();
          }}
        >
          go to
        </button>
      )}
    </div>
  );
}

/** Why the selected record is not in the list, when it is not. */
function SelectionNote({ list, selectedIndex, rows }: { list: FilteredRecords; selectedIndex: number; rows: number }) {
  if (selectedIndex < 0) return null;
  const position = list.positionOf(selectedIndex);
  if (position < 0) return <> · the selected record is hidden by the filters</>;
  if (position >= rows) return <> · the selected record is after the cursor</>;
  return null;
}

interface FilterProps {
  store: TraceStore;
  layout: ViewProps['layout'];
  hiddenKinds: ReadonlySet<string>;
  setHiddenKinds: (kinds: ReadonlySet<string>) => void;
  node: number;
  setNode: (node: number) => void;
  text: string;
  setText: (text: string) => void;
}

function LogFilters({ store, layout, hiddenKinds, setHiddenKinds, node, setNode, text, setText }: FilterProps) {
  const kinds = store.kinds.map((k) => k.name);
  const toggle = (kind: string) => {
    const next = new Set(hiddenKinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    setHiddenKinds(next);
  };
  return (
    <div className="log-filters">
      <fieldset className="log-kinds">
        <legend className="muted">kinds</legend>
        {kinds.map((kind) => (
          <label key={kind} className={`log-kind-toggle kind-${kind}`}>
            <input type="checkbox" checked={!hiddenKinds.has(kind)} onChange={() => toggle(kind)} data-testid={`log-kind-${kind}`} />
            {kind}
          </label>
        ))}
        <button type="button" className="view-link" onClick={() => setHiddenKinds(new Set())} data-testid="log-kinds-all">
          all
        </button>
        <button type="button" className="view-link" onClick={() => setHiddenKinds(new Set(kinds))} data-testid="log-kinds-none">
          none
        </button>
      </fieldset>
      <label className="log-node-filter">
        <span className="muted">node</span>
        <select value={node} onChange={(e) => setNode(Number(e.target.value))} data-testid="log-node">
          <option value={-1}>every node</option>
          {layout.nodes.map((n) => (
            <option key={n.index} value={n.index}>
              {n.label === n.id ? n.id : `${n.label} (${n.id})`}
            </option>
          ))}
        </select>
      </label>
      <label className="log-text-filter">
        <span className="muted">text</span>
        <input type="search" value={text} placeholder="e.g. node-down, #42, breaker" onChange={(e) => setText(e.target.value)} data-testid="log-text" />
      </label>
    </div>
  );
}
