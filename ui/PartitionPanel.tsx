/**
 * "Partition…": put nodes in group A or group B (or neither) and split the network between
 * the groups at the cursor's time — a `partition` fault with `groups`, which, as FORMAT.md
 * says, blocks every message between the two groups both ways and leaves nodes in neither
 * group alone. Until healed (the link menu's "Heal all partitions") or for a number of seconds.
 */
import { useRef, useState } from 'react';
import type { FaultAction } from '../sim/faults/faults.ts';
import { formatSimTime } from './format.ts';
import type { LayoutNode } from './layout.ts';
import { useDismiss } from './dismiss.ts';

type Side = 'A' | 'B' | '';

interface Props {
  nodes: readonly LayoutNode[];
  /** Node ids placed in A and B when the panel opens (the ends of a clicked link). */
  initial: { a: readonly string[]; b: readonly string[] };
  atUs: number;
  enabled: boolean;
  onApply: (action: FaultAction) => void;
  onClose: () => void;
}

/** The partition fault for a group assignment, or null while a group is empty. */
export function partitionAction(sides: Readonly<Record<string, Side>>, order: readonly string[], durationMs: number | null): FaultAction | null {
  const a = order.filter((id) => sides[id] === 'A');
  const b = order.filter((id) => sides[id] === 'B');
  if (a.length === 0 || b.length === 0) return null;
  return { type: 'partition', groups: [a, b], durationMs };
}

export function PartitionPanel({ nodes, initial, atUs, enabled, onApply, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, onClose);
  const [sides, setSides] = useState<Record<string, Side>>(() => {
    const out: Record<string, Side> = {};
    for (const id of initial.a) out[id] = 'A';
    for (const id of initial.b) out[id] = 'B';
    return out;
  });
  const [secondsText, setSecondsText] = useState('');
  const seconds = secondsText.trim() === '' ? null : Number(secondsText);
  const durationOk = seconds === null || (Number.isFinite(seconds) && seconds > 0 && seconds <= 1e9);
  const action = partitionAction(
    sides,
    nodes.map((n) => n.id),
    seconds === null ? null : Math.round(seconds * 1e6) / 1000,
  );
  const set = (id: string, side: Side) => setSides((prev) => ({ ...prev, [id]: side }));

  return (
    <div className="partition-panel" ref={ref} role="dialog" aria-label="Partition the network into two groups" data-testid="partition-panel">
      <div className="node-menu-title">Partition groups</div>
      <div className="node-menu-when">at {formatSimTime(Math.floor(atUs))}</div>
      <table className="partition-table">
        <thead>
          <tr>
            <th scope="col">node</th>
            <th scope="col">A</th>
            <th scope="col">B</th>
            <th scope="col">neither</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <tr key={n.id} data-partition-node={n.id}>
              <th scope="row" title={n.label === n.id ? n.id : `${n.label} (${n.id})`}>
                {n.id}
              </th>
              {(['A', 'B', ''] as const).map((side) => (
                <td key={side || 'none'}>
                  <input
                    type="radio"
                    name={`partition-${n.id}`}
                    checked={(sides[n.id] ?? '') === side}
                    onChange={() => set(n.id, side)}
                    aria-label={`${n.id}: ${side ? `group ${side}` : 'neither group'}`}
                    data-side={side || 'none'}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="partition-note muted">A and B cannot reach each other, both ways; nodes in neither group are not affected.</p>
      <label className="partition-duration">
        for
        <input
          type="number"
          min={0}
          step="any"
          value={secondsText}
          placeholder="until healed"
          onChange={(e) => setSecondsText(e.currentTarget.value)}
          aria-invalid={!durationOk}
          data-testid="partition-seconds"
        />
        s
      </label>
      <div className="partition-actions">
        <button type="button" className="button" disabled={!enabled || !action || !durationOk} onClick={() => action && onApply(action)} data-testid="partition-apply">
          Partition
        </button>
        <button type="button" className="button secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
      {!action && <p className="partition-note muted">Put at least one node in each group.</p>}
    </div>
  );
}
