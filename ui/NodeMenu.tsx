import { useRef, useState } from 'react';
import { useKeptInside } from './keep-inside.ts';
import type { FaultAction } from '../sim/faults/faults.ts';
import { formatSimTime } from './format.ts';
import { useDismiss } from './dismiss.ts';
import type { LayoutNode } from './layout.ts';
import { KIND_INTERVENTIONS, type KindIntervention } from './patterns/interventions.ts';

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
    // A graceful stop deregisters first (a crash says nothing): the difference callers of a registry see.
    { id: 'scale-in', label: 'Scale in (graceful stop)', action: { type: 'scale-in', node }, when: ['up'] },
    { id: 'scale-out', label: 'Scale out (start)', action: { type: 'scale-out', node }, when: ['crashed'] },
  ];
}

interface Props {
  node: LayoutNode;
  /** Every node of the layout: a group box's members are picked from it. */
  nodes: readonly LayoutNode[];
  /** A node's status at the cursor, by node index. */
  statusOf: (index: number) => string;
  atUs: number;
  x: number;
  y: number;
  /** False when the cursor is at the very end, where nothing could land any more. */
  enabled: boolean;
  onPick: (action: FaultAction) => void;
  onClose: () => void;
}

/**
 * A small menu at a node: pick an intervention, applied at the cursor's time (a what-if branch).
 * On a big group's box, the member it acts on is picked first (by its index in the group).
 */
export function NodeMenu({ node, nodes, statusOf, atUs, x, y, enabled, onPick, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [member, setMember] = useState(0);
  useDismiss(ref, onClose);
  useKeptInside(ref, x, y);
  const members = node.group?.members ?? null;
  const target = members ? nodes[members[Math.min(member, members.length - 1)]] : node;
  const status = statusOf(target.index);
  return (
    <div className="node-menu" ref={ref} style={{ left: x, top: y }} role="menu" aria-label={`Interventions on ${target.id}`} data-testid="node-menu">
      <div className="node-menu-title">
        {members ? target.id : node.label}
        <span className="muted"> · {status}</span>
      </div>
      {members && (
        <label className="node-menu-member">
          {node.group!.label}: member{' '}
          <input
            type="number"
            min={0}
            max={members.length - 1}
            step={1}
            value={member}
            onChange={(e) => setMember(clampIndex(e.currentTarget.valueAsNumber, members.length))}
            data-testid="node-menu-member"
          />
        </label>
      )}
      <div className="node-menu-when">at {formatSimTime(Math.floor(atUs))}</div>
      {menuItems(target.id).map((item) => (
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
      {(KIND_INTERVENTIONS[target.kind] ?? []).map((item) => (
        <KindInterventionItem key={item.id} item={item} node={target.id} enabled={enabled && item.when.includes(status)} onPick={onPick} />
      ))}
    </div>
  );
}

/** A kind's own intervention: a menu item that opens its small form; Apply makes the fault. */
function KindInterventionItem({ item, node, enabled, onPick }: { item: KindIntervention; node: string; enabled: boolean; onPick: (action: FaultAction) => void }) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(item.fields.map((f) => [f.key, String(f.value)])));
  const parsed = item.fields.map((f) => {
    const n = Number(values[f.key]);
    const ok = values[f.key].trim() !== '' && Number.isFinite(n) && n >= f.min && n <= f.max && (!f.integer || Number.isInteger(n));
    return { f, n, ok };
  });
  const valid = parsed.every((p) => p.ok);
  return (
    <>
      <button type="button" role="menuitem" className="node-menu-item" disabled={!enabled} onClick={() => setOpen((o) => !o)} aria-expanded={open} data-action={item.id}>
        {item.label}
      </button>
      {open && (
        <div className="node-menu-form" data-testid={`node-menu-form-${item.id}`}>
          {parsed.map(({ f, ok }) => (
            <label key={f.key}>
              {f.label}
              <input
                type="number"
                min={f.min}
                max={f.max}
                step={f.integer ? 1 : 'any'}
                value={values[f.key]}
                aria-invalid={!ok}
                onChange={(e) => {
                  const text = e.currentTarget.value;
                  setValues((v) => ({ ...v, [f.key]: text }));
                }}
                data-field={f.key}
              />
              {f.unit && <span className="muted"> {f.unit}</span>}
            </label>
          ))}
          <p className="muted node-menu-help">{item.help}</p>
          <button type="button" className="button" disabled={!enabled || !valid} onClick={() => onPick(item.action(node, Object.fromEntries(parsed.map((p) => [p.f.key, p.n]))))} data-testid={`node-menu-apply-${item.id}`}>
            Apply
          </button>
        </div>
      )}
    </>
  );
}

/** A whole index in [0, n), whatever was typed (NaN, a fraction, out of range). */
function clampIndex(value: number, n: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.min(n - 1, Math.trunc(value))) : 0;
}
