/**
 * The transaction timeline's rows, as SVG: a label column (transaction id and outcome, or a
 * participant and its blocked time) and a time axis shared by every row, with each lane's
 * phase segments, marks, node downtime and the playback cursor. Everything is text and
 * shapes from the index (extract.ts) read at the cursor; tooltips are SVG <title> text.
 */
import { scaleLinear, type ScaleLinear } from 'd3';
import { formatSimTime } from '../../format.ts';
import type { Selection } from '../types.ts';
import { markText, outcomeText, segmentText, type TransactionTopology } from './describe.ts';
import { marksAt, outcomeAt, segmentsAt, type Downtime, type Mark, type SegmentAt } from './extract.ts';
import type { Line } from './lines.ts';

export const ROW_H = 20;
export const LABEL_W = 200;
const BAR_Y = 4;
const BAR_H = 12;
const PAD_RIGHT = 10;
/** Characters fit in a segment at about this many px each (11px font). */
const CHAR_W = 6.4;

export interface TimelineProps {
  lines: Line[];
  cursorUs: number;
  domain: [number, number];
  width: number;
  topo: TransactionTopology;
  nodeNames: readonly string[];
  downtime: readonly Downtime[][];
  selection: Selection;
  onSelect: (selection: Selection) => void;
  /** Ids of the hatch patterns (unique per page). */
  hatch: { blocked: string; inDoubt: string; down: string };
}

export function timeScale(domain: [number, number], width: number): ScaleLinear<number, number> {
  return scaleLinear().domain(domain).range([LABEL_W, Math.max(LABEL_W + 10, width - PAD_RIGHT)]);
}

export function TimelineRows(props: TimelineProps) {
  const { lines, cursorUs, domain, width, hatch } = props;
  const x = timeScale(domain, width);
  const height = lines.length * ROW_H;
  const cursorX = x(cursorUs);
  return (
    <svg className="tx-rows" width={width} height={height} data-testid="tx-rows" role="list" aria-label="Transactions">
      <defs>
        <HatchPattern id={hatch.blocked} className="tx-hatch-blocked" />
        <HatchPattern id={hatch.inDoubt} className="tx-hatch-in-doubt" />
        <HatchPattern id={hatch.down} className="tx-hatch-down" />
      </defs>
      {lines.map((line, i) => (
        <LineRow key={`${line.txn.id}/${line.name}`} line={line} y={i * ROW_H} x={x} {...props} />
      ))}
      {cursorX >= LABEL_W && <line className="tx-cursor" x1={cursorX} x2={cursorX} y1={0} y2={height} />}
    </svg>
  );
}

function HatchPattern({ id, className }: { id: string; className: string }) {
  return (
    <pattern id={id} className={className} width={6} height={6} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect className="tx-hatch-bg" width={6} height={6} />
      <line className="tx-hatch-line" x1={0} y1={0} x2={0} y2={6} />
    </pattern>
  );
}

interface RowProps extends TimelineProps {
  line: Line;
  y: number;
  x: ScaleLinear<number, number>;
}

function LineRow(props: RowProps) {
  const { line, y, x, cursorUs, topo, nodeNames, onSelect } = props;
  const { txn, lane } = line;
  const outcome = outcomeAt(txn, cursorUs);
  const segments = lane ? segmentsAt(lane, cursorUs) : [];
  const marks = lane ? marksAt(lane, cursorUs) : [];
  const selectNode = () => {
    if (line.node >= 0) onSelect({ kind: 'node', node: line.node });
  };
  return (
    <g
      className={`tx-line${line.head ? ' head' : ' sub'}`}
      transform={`translate(0,${y})`}
      role="listitem"
      data-testid="tx-line"
      data-txn={txn.id}
      data-protocol={txn.protocol}
      data-role={lane?.role ?? 'none'}
      data-name={line.name}
      data-outcome={outcome?.kind ?? ''}
      data-blocked-us={line.blockedUs}
      onClick={selectNode}
    >
      <rect className="tx-line-bg" x={0} y={0} width={props.width} height={ROW_H} />
      <LabelCell line={line} outcome={outcomeText(txn, outcome)} outcomeKind={outcome?.kind ?? 'open'} />
      {lane && <Lifeline segments={segments} marks={marks} firstUs={lane.firstUs} x={x} />}
      {lane && <Downtimes {...props} spells={props.downtime[lane.node] ?? []} fromUs={lane.firstUs} />}
      {segments.map((at) => (
        <SegmentBar key={at.segment.record} at={at} text={segmentText(topo, txn, at, nodeNames[at.segment.node] ?? '')} {...props} />
      ))}
      {marks.map((m) => (
        <MarkGlyph key={`${m.record}/${m.kind}`} mark={m} text={markText(txn, m, nodeNames[m.node] ?? '')} {...props} />
      ))}
    </g>
  );
}

function LabelCell({ line, outcome, outcomeKind }: { line: Line; outcome: string; outcomeKind: string }) {
  const title = line.head
    ? `${line.txn.protocol === 'saga' ? 'Saga' : 'Two-phase commit'} ${line.txn.id} (${line.txn.owner}): click to select its node`
    : `${line.name}${line.blockedUs > 0 ? (line.blockedOngoing ? `: blocked for ${formatSimTime(line.blockedUs)} so far` : `: was blocked for ${formatSimTime(line.blockedUs)}`) : ''}. Click to select the node`;
  if (line.head) {
    return (
      <g className="tx-label">
        <title>{title}</title>
        <text className="tx-id" x={6} y={14}>
          {line.txn.id}
        </text>
        <text className={`tx-outcome tx-outcome-${outcomeKind}`} x={LABEL_W - 10} y={14} textAnchor="end" data-testid="tx-outcome">
          {outcome}
        </text>
      </g>
    );
  }
  // Still blocked: red and bold (the tooltip says which); blocked before: muted.
  const blocked = line.blockedUs > 0 ? `blocked ${formatSimTime(line.blockedUs)}` : line.lane ? '' : line.node >= 0 ? 'no record yet' : '';
  return (
    <g className="tx-label">
      <title>{title}</title>
      <text className="tx-participant" x={18} y={14}>
        {line.name}
      </text>
      <text className={`tx-blocked${line.blockedOngoing ? ' ongoing' : ''}${line.lane ? '' : ' none'}`} x={LABEL_W - 10} y={14} textAnchor="end" data-testid="tx-blocked">
        {blocked}
      </text>
    </g>
  );
}

/** A thin line over the lane's life so far: the gaps between segments (messages in transit) show as the line alone. */
function Lifeline({ segments, marks, firstUs, x }: { segments: SegmentAt[]; marks: Mark[]; firstUs: number; x: ScaleLinear<number, number> }) {
  let last = firstUs;
  for (const s of segments) last = Math.max(last, s.endUs);
  for (const m of marks) last = Math.max(last, m.t);
  const [x1, x2] = clampSpan(x, firstUs, last);
  if (x2 < x1) return null;
  return <line className="tx-lifeline" x1={x1} x2={x2} y1={BAR_Y + BAR_H / 2} y2={BAR_Y + BAR_H / 2} />;
}

function Downtimes(props: RowProps & { spells: readonly Downtime[]; fromUs: number }) {
  const { spells, fromUs, cursorUs, x, nodeNames, line, hatch } = props;
  const out = [];
  for (const d of spells) {
    const until = Math.min(d.untilUs, cursorUs);
    if (d.fromUs > cursorUs || until < fromUs || line.lane === null) continue;
    const [x1, x2] = clampSpan(x, d.fromUs, until);
    if (x2 <= x1) continue;
    const name = nodeNames[line.lane.node] ?? '';
    const text = `${name} ${d.status} from ${formatSimTime(d.fromUs)}${d.untilUs <= cursorUs ? ` until ${formatSimTime(d.untilUs)}` : ' (still down)'}`;
    out.push(
      <rect key={d.fromUs} className="tx-down" x={x1} y={1} width={x2 - x1} height={ROW_H - 2} fill={`url(#${hatch.down})`} data-testid="tx-down">
        <title>{text}</title>
      </rect>,
    );
  }
  return <>{out}</>;
}

function SegmentBar(props: RowProps & { at: SegmentAt; text: string }) {
  const { at, text, x, hatch, selection, onSelect } = props;
  const s = at.segment;
  if (x(at.endUs) < x.range()[0]) return null; // ended before the window
  const [x1, x2raw] = clampSpan(x, s.startUs, at.endUs);
  const x2 = Math.max(x2raw, x1 + 2);
  const outcome = at.open ? 'open' : s.outcome || 'done';
  const fill = s.kind === 'blocked' ? `url(#${hatch.blocked})` : s.kind === 'in-doubt' ? `url(#${hatch.inDoubt})` : undefined;
  const selected = selection?.kind === 'record' && selection.index === s.record;
  const label = barLabel(at);
  const fits = label.length * CHAR_W + 6 <= x2 - x1;
  return (
    <g
      className={`tx-seg tx-seg-${s.kind} tx-end-${outcome}${selected ? ' selected' : ''}`}
      data-testid="tx-seg"
      data-kind={s.kind}
      data-label={s.label}
      data-open={at.open}
      data-outcome={at.open ? '' : s.outcome}
      onClick={(e) => {
        e.stopPropagation();
        onSelect({ kind: 'record', index: s.record });
      }}
    >
      <title>{text}</title>
      <rect x={x1} y={BAR_Y} width={x2 - x1} height={BAR_H} rx={2} fill={fill} />
      {fits && (
        <text x={x1 + 3} y={BAR_Y + BAR_H - 2.5}>
          {label}
        </text>
      )}
    </g>
  );
}

/** Text inside a wide enough bar: the phase, and for blocked phases how long. */
function barLabel(at: SegmentAt): string {
  const s = at.segment;
  if (s.kind === 'blocked' || s.kind === 'in-doubt' || s.kind === 'lock-wait') return `${s.label} ${formatSimTime(at.endUs - s.startUs)}`;
  return s.label;
}

function MarkGlyph(props: RowProps & { mark: Mark; text: string }) {
  const { mark, text, x, selection, onSelect } = props;
  const cx = x(mark.t);
  if (cx < LABEL_W - 1) return null;
  const cy = BAR_Y + BAR_H / 2;
  const selected = selection?.kind === 'record' && selection.index === mark.record;
  const shape =
    mark.kind === 'retry' ? (
      <line x1={cx} x2={cx} y1={BAR_Y - 2} y2={BAR_Y + BAR_H + 2} />
    ) : (
      <path d={`M${cx},${cy - 6} L${cx + 5},${cy} L${cx},${cy + 6} L${cx - 5},${cy} Z`} />
    );
  return (
    <g
      className={`tx-mark tx-mark-${mark.kind}${selected ? ' selected' : ''}`}
      data-testid="tx-mark"
      data-mark={mark.kind}
      onClick={(e) => {
        e.stopPropagation();
        onSelect({ kind: 'record', index: mark.record });
      }}
    >
      <title>{text}</title>
      {shape}
    </g>
  );
}

/** A time span in px, cut to the timeline area (never into the label column). */
function clampSpan(x: ScaleLinear<number, number>, fromUs: number, toUs: number): [number, number] {
  const [r0, r1] = x.range();
  return [Math.max(r0, Math.min(r1, x(fromUs))), Math.max(r0, Math.min(r1, x(toUs)))];
}
