/**
 * The transaction timeline (a sandbox view, loaded on demand): one row per saga and per
 * two-phase commit, newest first, on a time axis that ends just after the playback cursor
 * (or spans the whole run). Saga steps are green, compensations amber, failures red; a 2PC
 * coordinator's voting and commit phases, and under it each participant, whose time between
 * voting YES and learning the outcome is drawn hatched as blocked time (IN_DOUBT in red).
 * Only what happened by the cursor is drawn. Data: extract.ts; rows: TimelineRows.tsx.
 */
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { formatNumber, formatSimTime } from '../../format.ts';
import { useCursor, type ViewProps } from '../types.ts';
import { transactionTopology, type TransactionTopology } from './describe.ts';
import { rowsAt, summarize, transactionIndex, type Summary, type TransactionIndex } from './extract.ts';
import { buildLines } from './lines.ts';
import { LABEL_W, TimelineRows, timeScale } from './TimelineRows.tsx';
import { autoWindowUs, windowDomain } from './window.ts';
import './transactions.css';

/** Transactions drawn at most (the newest that qualify). */
export const MAX_ROWS = 200;
const WINDOWS_US = [10_000, 100_000, 1_000_000, 10_000_000, 60_000_000];
const AXIS_H = 24;
/** Room kept for the rows' vertical scrollbar (px). */
const SCROLLBAR = 16;

type WindowChoice = 'auto' | 'run' | number;

export default function TransactionsView({ store, player, scenario, session, selection, onSelect }: ViewProps) {
  const cursorUs = useCursor(player, session);
  const topo = useMemo(() => transactionTopology(scenario), [scenario]);
  const index = transactionIndex(store);
  const [choice, setChoice] = useState<WindowChoice>('auto');
  const [width, boxRef] = useWidth();
  const hatchBase = useId().replace(/[^A-Za-z0-9_-]/g, '');
  const hatch = useMemo(() => ({ blocked: `${hatchBase}-blocked`, inDoubt: `${hatchBase}-in-doubt`, down: `${hatchBase}-down` }), [hatchBase]);

  // Opened on a paused cursor before the first transaction (at the start of a run): go to where
  // the first one has ended, so the tab opens on transactions rather than an empty axis.
  useEffect(() => {
    const first = index.transactions[0];
    if (player.playing || first === undefined || first.startUs <= player.cursorUs) return;
    player.seek(Math.min(store.recordedUntilUs, Number.isFinite(first.endUs) ? first.endUs : first.startUs));
  }, []); // once, when the tab opens

  const endUs = store.setup.endUs;
  const autoUs = autoWindowUs(index, endUs, cursorUs);
  const windowUs = choice === 'auto' ? autoUs : choice === 'run' ? endUs : choice;
  const domain = windowDomain(cursorUs, windowUs, endUs);

  if (!topo.any && index.transactions.length === 0) {
    return (
      <p className="muted tx-note" data-testid="tx-note">
        No sagas or two-phase commits in this scenario.
      </p>
    );
  }
  const summary = summarize(index, cursorUs);
  const { rows, total } = rowsAt(index, cursorUs, domain[0], MAX_ROWS);
  const lines = buildLines(rows, cursorUs, topo, store.setup.nodeNames, store.nodeIndex);

  return (
    <div className="tx-view" ref={boxRef} data-testid="transactions">
      <div className="tx-toolbar">
        <SummaryLine summary={summary} topo={topo} nodeNames={store.setup.nodeNames} />
        <label className="tx-window">
          Time axis{' '}
          <select data-testid="tx-window" value={String(choice)} onChange={(e) => setChoice(parseChoice(e.target.value))}>
            <option value="auto">Auto ({autoUs >= endUs ? 'whole run' : `${formatSimTime(autoUs)} window`})</option>
            {WINDOWS_US.filter((w) => w < endUs).map((w) => (
              <option key={w} value={w}>
                {formatSimTime(w)} window
              </option>
            ))}
            <option value="run">Whole run</option>
          </select>
        </label>
      </div>
      <Legend topo={topo} index={index} />
      {lines.length === 0 ? (
        <p className="muted tx-note" data-testid="tx-note">
          {emptyNote(session !== null, index, cursorUs)}
        </p>
      ) : (
        <>
          <Axis domain={domain} width={width} cursorUs={cursorUs} />
          <div className="tx-scroll">
            <TimelineRows
              lines={lines}
              cursorUs={cursorUs}
              domain={domain}
              width={width}
              topo={topo}
              nodeNames={store.setup.nodeNames}
              downtime={index.downtime}
              selection={selection}
              onSelect={onSelect}
              hatch={hatch}
            />
          </div>
          <p className="muted tx-footer" data-testid="tx-footer">
            {total > rows.length
              ? `Showing the ${formatNumber(rows.length)} newest of ${formatNumber(total)} transactions on this axis.`
              : `${formatNumber(total)} transaction${total === 1 ? '' : 's'} on this axis, newest first.`}{' '}
            Hover a phase for what it is; click one to select its record, a row to select its node.
          </p>
        </>
      )}
    </div>
  );
}

function parseChoice(value: string): WindowChoice {
  return value === 'auto' || value === 'run' ? value : Number(value);
}

function emptyNote(ran: boolean, index: TransactionIndex, cursorUs: number): string {
  if (!ran) return 'Run the scenario to see its sagas and two-phase commits here.';
  const first = index.transactions[0];
  if (first === undefined) return 'No transaction has started yet.';
  if (first.startUs > cursorUs) return `No transaction has started by ${formatSimTime(cursorUs)}: the first starts at ${formatSimTime(first.startUs)}.`;
  return 'No transaction was running in this window: widen the time axis to see earlier ones.';
}

function SummaryLine({ summary, topo, nodeNames }: { summary: Summary; topo: TransactionTopology; nodeNames: readonly string[] }) {
  const { sagas, twoPc, longestBlocked } = summary;
  const hasSagas = sagas.started > 0 || topo.steps.size > 0;
  const hasTwoPc = twoPc.started > 0 || topo.participants.size > 0;
  return (
    <p className="tx-summary" data-testid="tx-summary">
      {hasSagas && (
        <span data-testid="tx-summary-sagas">
          <strong>Sagas</strong> {formatNumber(sagas.started)} started · {formatNumber(sagas.completed)} completed · {formatNumber(sagas.compensated)} compensated ·{' '}
          {formatNumber(sagas.running)} running
        </span>
      )}
      {hasTwoPc && (
        <span data-testid="tx-summary-2pc">
          <strong>2PC</strong> {formatNumber(twoPc.started)} started · {formatNumber(twoPc.committed)} committed · {formatNumber(twoPc.aborted)} aborted ·{' '}
          {formatNumber(twoPc.running)} deciding · {formatNumber(twoPc.inDoubtNow)} in doubt now
        </span>
      )}
      {hasTwoPc && (
        <span data-testid="tx-longest-blocked" data-us={longestBlocked?.us ?? 0}>
          longest blocked:{' '}
          {longestBlocked === null
            ? 'none'
            : `${formatSimTime(longestBlocked.us)}${longestBlocked.ongoing ? ' and counting' : ''} (${nodeNames[longestBlocked.node] ?? '?'}, ${longestBlocked.txn})`}
        </span>
      )}
    </p>
  );
}

const SAGA_LEGEND = [
  ['step', 'forward step'],
  ['compensation', 'compensation'],
  ['failed', 'failed'],
  ['settling', 'settling'],
] as const;
const TWO_PC_LEGEND = [
  ['voting', 'voting (WAIT)'],
  ['committing', 'committing'],
  ['lock-wait', 'waiting for locks'],
  ['blocked', 'blocked (PREPARED)'],
  ['in-doubt', 'in doubt'],
  ['aborted', 'aborted'],
] as const;

function Legend({ topo, index }: { topo: TransactionTopology; index: TransactionIndex }) {
  const sagas = topo.steps.size > 0 || index.transactions.some((t) => t.protocol === 'saga');
  const twoPc = topo.participants.size > 0 || index.transactions.some((t) => t.protocol === '2pc');
  const items = [...(sagas ? SAGA_LEGEND : []), ...(twoPc ? TWO_PC_LEGEND : []), ['down', 'node down'] as const];
  return (
    <div className="tx-legend" aria-label="Legend">
      {items.map(([kind, text]) => (
        <span key={kind} className="tx-legend-item">
          <span className={`tx-swatch tx-swatch-${kind}`} aria-hidden="true" />
          {text}
        </span>
      ))}
    </div>
  );
}

function Axis({ domain, width, cursorUs }: { domain: [number, number]; width: number; cursorUs: number }) {
  const x = timeScale(domain, width);
  const ticks = x.ticks(Math.max(2, Math.floor((width - LABEL_W) / 110)));
  const cx = x(cursorUs);
  return (
    <svg className="tx-axis" width={width} height={AXIS_H} data-testid="tx-axis" aria-hidden="true">
      <line className="tx-axis-line" x1={LABEL_W} x2={x.range()[1]} y1={AXIS_H - 1} y2={AXIS_H - 1} />
      {ticks.map((t) => (
        <g key={t} transform={`translate(${x(t)},0)`}>
          <line className="tx-tick" y1={AXIS_H - 5} y2={AXIS_H - 1} />
          {/* A label at the right end is drawn to the left of its tick, to stay inside. */}
          <text className="tx-tick-label" y={AXIS_H - 8} textAnchor={x.range()[1] - x(t) < 30 ? 'end' : 'middle'}>
            {formatSimTime(t)}
          </text>
        </g>
      ))}
      <text className="tx-axis-title" x={6} y={AXIS_H - 8}>
        transaction
      </text>
      {cx >= LABEL_W && <path className="tx-cursor-head" d={`M${cx - 5},${AXIS_H - 7} L${cx + 5},${AXIS_H - 7} L${cx},${AXIS_H - 1} Z`} />}
    </svg>
  );
}

/** The element's width in px, kept up to date (a ResizeObserver). */
function useWidth(): [number, (el: HTMLDivElement | null) => () => void] {
  const [width, setWidth] = useState(900);
  const ref = useCallback((el: HTMLDivElement | null) => {
    if (el === null) return () => {};
    // Less the rows' scrollbar gutter, so the axis and the rows line up.
    const measure = () => setWidth(Math.max(LABEL_W + 120, Math.floor(el.clientWidth) - SCROLLBAR));
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, []);
  return [width, ref];
}
