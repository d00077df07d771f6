import { useRef } from 'react';
import type { FaultAction } from '../sim/faults/faults.ts';
import { formatSimTime } from './format.ts';
import { useDismiss } from './dismiss.ts';
import type { LayoutNode } from './layout.ts';

export interface MenuItem {
  id: string;
  label: string;
  action: FaultAction;
  /** Node statuses in which it makes sense. */
  when: readonly string[];
}

/** The interventions a click on a node offers. Each becomes a fault in the run's log. */
export function menuItems(node: string): MenuItem[] {
  return [
    { id: 'crash', label: 'Crash', action: { type: 'crash', node }, when: ['up', 'paused'] },
    { id: 'restart', label: 'Restart', action: { type: 'restart', node }, when: ['crashed'] },
    { id: 'pause', label: 'Pause', action: { type: 'pause', node }, when: ['up'] },
    { id: 'resume', label: 'Resume', action: { type: 'resume', node }, when: ['paused'] },
    { id: 'slow', label: 'Slow ×5', action: { type: 'slow', node, factor: 5 }, when: ['up', 'paused'] },
    { id: 'brownout', label: 'Brownout 50%', action: { type: 'brownout', node, errorProbability: 0.5 }, when: ['up', 'paused'] },
  ];
}

interface Props {
  node: LayoutNode;
  status: string;
  atUs: number;
  x: number;
  y: number;
  /** False when the cursor is at the very end, where nothing could land any more. */
  enabled: boolean;
  onPick: (action: FaultAction) => void;
  onClose: () => void;
}

/** A small menu at a node: pick an intervention, applied at the cursor's time (a what-if branch). */
export function NodeMenu({ node, status, atUs, x, y, enabled, onPick, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, onClose);
  return (
    <div className="node-menu" ref={ref} style={{ left: x, top: y }} role="menu" aria-label={`Interventions on ${node.id}`} data-testid="node-menu">
      <div className="node-menu-title">
        {node.label}
        <span className="muted"> · {status}</span>
      </div>
      <div className="node-menu-when">at {formatSimTime(Math.floor(atUs))}</div>
      {menuItems(node.id).map((item) => (
        <button
          key={item.id}
          type="button"
          role="menuitem"
          className="node-menu-item"
          disabled={!enabled || !item.when.includes(status)}
          onClick={() => onPick(item.action)}
          data-action={item.id}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}
