/**
 * The menu a click on a link opens: cut it (both ways or one way), add latency or loss on it,
 * heal every partition, or open the partition-groups panel. Each pick is one or more faults
 * (latency both ways is two: a latency fault names one directed link), applied at the cursor's
 * time as a what-if branch, and each lands in the run's fault log, so the exported scenario
 * replays it. The fault shapes are those of sim/scenario/FORMAT.md: a `groups` partition
 * leaves nodes in no group alone, so `[[a], [b]]` cuts exactly the pair a ↔ b; `from`/`to`
 * cuts one direction only.
 */
import { useRef, useState } from 'react';
import { useKeptInside } from './keep-inside.ts';
import type { FaultAction } from '../sim/faults/faults.ts';
import { formatSimTime } from './format.ts';
import { useDismiss } from './dismiss.ts';
import type { LayoutNode } from './layout.ts';
import './LinkMenu.css';

export type Direction = 'both' | 'forward' | 'backward';

export interface LinkOptions {
  extraMs: number;
  /** 0…100. */
  lossPercent: number;
  /** Null: until healed (cuts) or the end of the run (latency, loss). */
  durationMs: number | null;
}

const LATENCY_PRESETS_MS = [10, 50, 200, 1000];
const LOSS_PRESETS_PERCENT = [10, 30, 100];

/** The directed pairs a direction means, `from`→`to` being the link as clicked. */
function pairs(from: string, to: string, direction: Direction): [string, string][] {
  if (direction === 'forward') return [[from, to]];
  if (direction === 'backward') return [[to, from]];
  return [
    [from, to],
    [to, from],
  ];
}

/** The faults one pick in the menu makes. */
export function linkActions(kind: 'cut' | 'latency' | 'loss', from: string, to: string, direction: Direction, o: LinkOptions): FaultAction[] {
  const durationMs = o.durationMs;
  switch (kind) {
    case 'cut':
      if (direction === 'both') return [{ type: 'partition', groups: [[from], [to]], durationMs }];
      return pairs(from, to, direction).map(([f, t]) => ({ type: 'partition', from: [f], to: [t], durationMs }));
    case 'latency':
      return pairs(from, to, direction).map(([f, t]) => ({ type: 'latency', extraMs: o.extraMs, link: { from: f, to: t }, durationMs }));
    case 'loss':
      return pairs(from, to, direction).map(([f, t]) => ({ type: 'loss', probability: o.lossPercent / 100, link: { from: f, to: t }, durationMs }));
  }
}

/** Words for a network fault in the interventions list; null for the node faults (NodeMenu's). */
export function describeNetworkAction(a: FaultAction): string | null {
  const lasting = 'durationMs' in a && typeof a.durationMs === 'number' ? ` for ${formatSimTime(a.durationMs * 1000)}` : '';
  switch (a.type) {
    case 'partition':
      if (a.groups) {
        const [g0, g1] = a.groups;
        if (a.groups.length === 2 && g0.length === 1 && g1.length === 1) return `cut ${g0[0]} ↔ ${g1[0]}${lasting}`;
        return `partition ${a.groups.map((g) => `{${g.join(', ')}}`).join(' | ')}${lasting}`;
      }
      return `cut ${(a.from ?? []).join(', ')} → ${(a.to ?? []).join(', ')} (one way)${lasting}`;
    case 'heal':
      return 'heal all partitions';
    case 'latency':
      return `latency +${a.extraMs} ms ${where(a)}${lasting}`;
    case 'loss':
      return `loss ${Math.round(a.probability * 1000) / 10}% ${where(a)}${lasting}`;
    default:
      return null;
  }
}

function where(a: { link?: { from: string; to: string } | null; node?: string | null }): string {
  if (a.link) return `on ${a.link.from} → ${a.link.to}`;
  return a.node ? `at ${a.node}` : 'on every link';
}

/** A number typed in an input, or NaN. */
function parse(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

interface Props {
  from: LayoutNode;
  to: LayoutNode;
  atUs: number;
  x: number;
  y: number;
  /** False when no run could branch here (none yet, or the cursor at the very end). */
  enabled: boolean;
  onPick: (actions: FaultAction[]) => void;
  /** Opens the partition panel with this link's ends in the two groups. */
  onPartition: () => void;
  onClose: () => void;
}

export function LinkMenu({ from, to, atUs, x, y, enabled, onPick, onPartition, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, onClose);
  useKeptInside(ref, x, y);
  const [direction, setDirection] = useState<Direction>('both');
  const [latencyText, setLatencyText] = useState('200');
  const [lossText, setLossText] = useState('30');
  const [lasting, setLasting] = useState<'healed' | 'seconds'>('healed');
  const [secondsText, setSecondsText] = useState('5');

  const extraMs = parse(latencyText);
  const lossPercent = parse(lossText);
  const seconds = parse(secondsText);
  const latencyOk = Number.isFinite(extraMs) && extraMs > 0 && extraMs <= 1e9;
  const lossOk = Number.isFinite(lossPercent) && lossPercent > 0 && lossPercent <= 100;
  const durationOk = lasting === 'healed' || (Number.isFinite(seconds) && seconds > 0 && seconds <= 1e9);
  const options: LinkOptions = { extraMs, lossPercent, durationMs: lasting === 'healed' ? null : Math.round(seconds * 1e6) / 1000 };
  const pick = (kind: 'cut' | 'latency' | 'loss') => onPick(linkActions(kind, from.id, to.id, direction, options));

  const directions: [Direction, string][] = [
    ['both', 'both directions'],
    ['forward', `${from.id} → ${to.id}`],
    ['backward', `${to.id} → ${from.id}`],
  ];
  return (
    <div className="node-menu link-menu" ref={ref} style={{ left: x, top: y }} role="menu" aria-label={`Interventions on the link ${from.id} ↔ ${to.id}`} data-testid="link-menu">
      <div className="node-menu-title">
        {from.label} ↔ {to.label}
      </div>
      <div className="node-menu-when">at {formatSimTime(Math.floor(atUs))}</div>

      <div className="link-menu-directions" role="radiogroup" aria-label="Direction">
        {directions.map(([d, label]) => (
          <label key={d} className="link-menu-choice" title={label}>
            <input type="radio" name="link-direction" checked={direction === d} onChange={() => setDirection(d)} data-direction={d} />
            <span>{label}</span>
          </label>
        ))}
      </div>

      <button type="button" role="menuitem" className="node-menu-item" disabled={!enabled || !durationOk} onClick={() => pick('cut')} data-action="cut">
        {direction === 'both' ? 'Cut the link' : 'Cut this direction'}
      </button>

      <div className="link-menu-row">
        <button type="button" role="menuitem" className="node-menu-item" disabled={!enabled || !latencyOk || !durationOk} onClick={() => pick('latency')} data-action="latency">
          Add latency
        </button>
        <span className="link-menu-amount">
          +
          <input type="number" min={0} step="any" value={latencyText} onChange={(e) => setLatencyText(e.currentTarget.value)} aria-label="Extra latency (ms)" aria-invalid={!latencyOk} data-testid="link-latency" />
          ms
        </span>
      </div>
      <Presets values={LATENCY_PRESETS_MS} unit="ms" onPick={(v) => setLatencyText(String(v))} />

      <div className="link-menu-row">
        <button type="button" role="menuitem" className="node-menu-item" disabled={!enabled || !lossOk || !durationOk} onClick={() => pick('loss')} data-action="loss">
          Add loss
        </button>
        <span className="link-menu-amount">
          <input type="number" min={0} max={100} step="any" value={lossText} onChange={(e) => setLossText(e.currentTarget.value)} aria-label="Loss (%)" aria-invalid={!lossOk} data-testid="link-loss" />%
        </span>
      </div>
      <Presets values={LOSS_PRESETS_PERCENT} unit="%" onPick={(v) => setLossText(String(v))} />

      <div className="link-menu-lasting" role="radiogroup" aria-label="How long">
        <label className="link-menu-choice">
          <input type="radio" name="link-lasting" checked={lasting === 'healed'} onChange={() => setLasting('healed')} data-lasting="healed" />
          <span title="A cut lasts until “Heal all partitions”; latency and loss until the run ends">until healed / the end</span>
        </label>
        <label className="link-menu-choice">
          <input type="radio" name="link-lasting" checked={lasting === 'seconds'} onChange={() => setLasting('seconds')} data-lasting="seconds" />
          <span>for</span>
          <input
            type="number"
            min={0}
            step="any"
            value={secondsText}
            onFocus={() => setLasting('seconds')}
            onChange={(e) => {
              setSecondsText(e.currentTarget.value);
              setLasting('seconds');
            }}
            aria-label="Duration (s)"
            aria-invalid={!durationOk}
            data-testid="link-seconds"
          />
          <span>s</span>
        </label>
      </div>

      <div className="link-menu-divider" />
      <button type="button" role="menuitem" className="node-menu-item" disabled={!enabled} onClick={() => onPick([{ type: 'heal' }])} data-action="heal">
        Heal all partitions
      </button>
      <button type="button" role="menuitem" className="node-menu-item" onClick={onPartition} data-action="partition">
        Partition groups…
      </button>
    </div>
  );
}

function Presets({ values, unit, onPick }: { values: number[]; unit: string; onPick: (v: number) => void }) {
  return (
    <div className="link-menu-presets">
      {values.map((v) => (
        <button key={v} type="button" className="link-menu-preset" onClick={() => onPick(v)} tabIndex={-1}>
          {v}
          {unit === '%' ? '%' : ` ${unit}`}
        </button>
      ))}
    </div>
  );
}
