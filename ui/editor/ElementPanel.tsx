/**
 * The selected element's form: a node's or workload's settings, a call's policies (added,
 * reordered, removed, each with its settings), or a fault. The settings are the sandbox's
 * parameters (ui/params/parameters.ts: found by walking the scenario with its zod schema, with
 * units, defaults and descriptions); a change is applied as `--set` is and validated, and a
 * refused value shows its error on its field.
 */
import { useState } from 'react';
import { PolicySchema } from '../../sim/patterns/policy-schemas.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import type { Parameter, ParameterGroup } from '../params/parameters.ts';
import type { CanvasSelection } from './EditorCanvas.tsx';
import { faultLabel } from './FaultLane.tsx';

/** Every policy type the scenario schema knows (a new policy appears here with no editor change). */
export const POLICY_TYPES: string[] = (PolicySchema.options as unknown as { shape: { type: { value: string } } }[]).map((o) => o.shape.type.value);

/** Faults the panel offers for a node, with the fields each needs beyond time and node. */
const NODE_FAULTS: Record<string, Record<string, unknown>> = {
  crash: { restartAfterMs: 5000 },
  slow: { factor: 5, durationMs: 10_000 },
  brownout: { errorProbability: 0.5, durationMs: 10_000 },
  pause: { durationMs: 5000 },
};

interface Props {
  scenario: Scenario;
  selection: CanvasSelection;
  fault: number | null;
  groups: ParameterGroup[];
  fieldErrors: ReadonlyMap<string, string>;
  onSet: (p: Parameter, input: string | boolean) => void;
  onRemove: (id: string) => void;
  onSelectCall: (owner: string, call: number | null, to: string) => void;
  onRemoveCall: (owner: string, call: number) => void;
  onAddPolicy: (owner: string, call: number | null, to: string, type: string) => void;
  onMovePolicy: (owner: string, call: number | null, index: number, by: -1 | 1) => void;
  onRemovePolicy: (owner: string, call: number | null, index: number) => void;
  onAddFault: (fault: Record<string, unknown>) => void;
  onSetLinkLatency: (a: string, b: string, ms: number | null) => void;
  onRemoveFault: (index: number) => void;
}

export function ElementPanel(props: Props) {
  const { scenario, selection, fault } = props;
  const written = scenario.declared ?? scenario;
  if (fault !== null && written.faults[fault]) {
    const f = written.faults[fault];
    return (
      <div className="element-panel" data-testid="element-panel">
        <h3>Fault: {faultLabel(f)}</h3>
        <p className="muted">At {f.atMs} ms. Drag its marker on the lane to move it in time.</p>
        <pre className="element-json">{JSON.stringify(f, null, 2)}</pre>
        <button type="button" className="button secondary" onClick={() => props.onRemoveFault(fault)} data-testid="remove-fault">
          Remove fault
        </button>
      </div>
    );
  }
  if (selection === null) {
    return (
      <div className="element-panel" data-testid="element-panel">
        <p className="muted">Place nodes from the palette, drag from a box&apos;s dot to another box to add a call, click a box or an arrow to edit it.</p>
      </div>
    );
  }
  if (selection.kind === 'call') return <CallForm {...props} owner={selection.owner} call={selection.call} to={selection.to} />;
  return <ElementForm {...props} id={selection.id} />;
}

function ElementForm(props: Props & { id: string }) {
  const { scenario, id, groups } = props;
  const written = scenario.declared ?? scenario;
  const nodeIndex = written.nodes.findIndex((n) => n.id === id);
  const workloadIndex = written.workloads.findIndex((w) => w.id === id);
  const node = written.nodes[nodeIndex];
  const workload = written.workloads[workloadIndex];
  const spec = node ?? workload;
  if (spec === undefined) return null;
  const prefix = node ? `nodes[${nodeIndex}].` : `workloads[${workloadIndex}].`;
  const own = params(groups, (p) => p.path.startsWith(prefix) && !p.path.includes('.calls[') && !p.path.includes('.callPath'));
  return (
    <div className="element-panel" data-testid="element-panel">
      <h3>
        {spec.id} <span className="muted">({spec.kind})</span>
      </h3>
      <ParamRows parameters={own} {...props} />
      {node?.kind === 'service' && node.calls.length > 0 && (
        <div className="element-calls">
          <h4>Calls</h4>
          {node.calls.map((c, j) => (
            <button key={j} type="button" className="button secondary" onClick={() => props.onSelectCall(node.id, j, c.to)}>
              → {c.to} ({c.callPath.length} polic{c.callPath.length === 1 ? 'y' : 'ies'})
            </button>
          ))}
        </div>
      )}
      {workload && (
        <button type="button" className="button secondary" onClick={() => props.onSelectCall(workload.id, null, workload.target)}>
          Call path to {workload.target} ({workload.callPath.length})
        </button>
      )}
      {node && <AddFault node={node.id} durationMs={scenario.durationMs} onAdd={props.onAddFault} />}
      <button type="button" className="button secondary danger" onClick={() => props.onRemove(spec.id)} data-testid="remove-element">
        Remove {spec.id}
      </button>
    </div>
  );
}

function CallForm(props: Props & { owner: string; call: number | null; to: string }) {
  const { scenario, owner, call, to, groups } = props;
  const written = scenario.declared ?? scenario;
  const nodeIndex = written.nodes.findIndex((n) => n.id === owner);
  const workloadIndex = written.workloads.findIndex((w) => w.id === owner);
  const node = written.nodes[nodeIndex];
  const workload = written.workloads[workloadIndex];
  const policies = call !== null && node?.kind === 'service' ? node.calls[call]?.callPath : workload?.callPath;
  const base = call !== null ? `nodes[${nodeIndex}].calls[${call}].callPath` : `workloads[${workloadIndex}].callPath`;
  const [adding, setAdding] = useState(POLICY_TYPES[0]);
  if (policies === undefined) return <ElementForm {...props} id={owner} />;
  return (
    <div className="element-panel" data-testid="element-panel">
      <h3>
        {owner} → {to}
      </h3>
      <p className="muted">Policies, outermost first: a call passes them in this order.</p>
      <ol className="policy-list" data-testid="policy-list">
        {policies.map((p, k) => (
          <li key={k} className="policy-item" data-policy={p.type}>
            <div className="policy-head">
              <strong>{p.type}</strong>
              <span className="policy-buttons">
                <button type="button" onClick={() => props.onMovePolicy(owner, call, k, -1)} disabled={k === 0} aria-label={`Move ${p.type} outwards`}>
                  ↑
                </button>
                <button type="button" onClick={() => props.onMovePolicy(owner, call, k, 1)} disabled={k === policies.length - 1} aria-label={`Move ${p.type} inwards`}>
                  ↓
                </button>
                <button type="button" onClick={() => props.onRemovePolicy(owner, call, k)} aria-label={`Remove ${p.type}`}>
                  ✕
                </button>
              </span>
            </div>
            <ParamRows parameters={params(groups, (x) => x.path.startsWith(`${base}[${k}].`))} {...props} />
          </li>
        ))}
      </ol>
      <div className="add-policy">
        <select value={adding} onChange={(e) => setAdding(e.currentTarget.value)} aria-label="Policy to add" data-testid="policy-type">
          {POLICY_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="button" className="button secondary" onClick={() => props.onAddPolicy(owner, call, to, adding)} data-testid="add-policy">
          Add policy
        </button>
      </div>
      <LinkLatency scenario={scenario} a={owner} b={to} onSet={props.onSetLinkLatency} />
      {call !== null && (
        <button type="button" className="button secondary danger" onClick={() => props.onRemoveCall(owner, call)}>
          Remove this call
        </button>
      )}
    </div>
  );
}

function params(groups: ParameterGroup[], keep: (p: Parameter) => boolean): Parameter[] {
  return groups.flatMap((g) => g.parameters.filter(keep));
}

/** Each setting with its unit and description; numbers apply on Enter or when the field is left. */
function ParamRows({ parameters, fieldErrors, onSet }: { parameters: Parameter[] } & Pick<Props, 'fieldErrors' | 'onSet'>) {
  return (
    <div className="element-params">
      {parameters.map((p) => {
        const error = fieldErrors.get(p.path);
        const id = `edit-${p.path}`;
        return (
          <div key={p.path} className={`element-param${error ? ' invalid' : ''}`} title={p.help || undefined} data-param={p.path}>
            <label htmlFor={id}>
              {p.label}
              {p.unit && <span className="muted"> ({p.unit})</span>}
            </label>
            {p.kind === 'number' && <NumberField id={id} parameter={p} onCommit={(text) => onSet(p, text)} invalid={error !== undefined} />}
            {p.kind === 'choice' && (
              <select id={id} value={p.value} onChange={(e) => onSet(p, e.currentTarget.value)}>
                {p.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            )}
            {p.kind === 'toggle' && <input id={id} type="checkbox" checked={p.value} onChange={(e) => onSet(p, e.currentTarget.checked)} />}
            {error && (
              <p className="element-error" role="alert" data-testid="field-error">
                {error}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** A number typed freely and applied on Enter or blur; a refused value stays in the field with its error. */
function NumberField({ id, parameter, onCommit, invalid }: { id: string; parameter: Extract<Parameter, { kind: 'number' }>; onCommit: (text: string) => void; invalid: boolean }) {
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? String(parameter.value);
  const commit = () => {
    if (text === null || text === String(parameter.value)) return setText(null);
    onCommit(text);
  };
  return (
    <input
      id={id}
      type="number"
      step="any"
      value={shown}
      aria-invalid={invalid}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

function AddFault({ node, durationMs, onAdd }: { node: string; durationMs: number; onAdd: (fault: Record<string, unknown>) => void }) {
  const [type, setType] = useState('crash');
  const [atS, setAtS] = useState(String(Math.round(durationMs / 3000)));
  return (
    <div className="add-fault">
      <h4>Add a fault</h4>
      <select value={type} onChange={(e) => setType(e.currentTarget.value)} aria-label="Fault type" data-testid="fault-type">
        {Object.keys(NODE_FAULTS).map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <label>
        at
        <input type="number" min={0} step="any" value={atS} onChange={(e) => setAtS(e.currentTarget.value)} aria-label="Fault time (s)" data-testid="fault-at" />s
      </label>
      <button type="button" className="button secondary" onClick={() => onAdd({ atMs: Math.round(Number(atS) * 1000), type, node, ...NODE_FAULTS[type] })} data-testid="add-fault">
        Add {type}
      </button>
    </div>
  );
}

/** The link between caller and callee: its own latency (both ways), or the network's default when empty. */
function LinkLatency({ scenario, a, b, onSet }: { scenario: Scenario; a: string; b: string; onSet: Props['onSetLinkLatency'] }) {
  const written = scenario.declared ?? scenario;
  const link = written.links.find((l) => (l.from === a && l.to === b) || (l.bidirectional && l.from === b && l.to === a));
  const current = link?.latency?.type === 'constant' ? String(link.latency.ms) : '';
  const [text, setText] = useState<string | null>(null);
  const commit = () => {
    if (text === null || text === current) return setText(null);
    onSet(a, b, text.trim() === '' ? null : Number(text));
    setText(null);
  };
  return (
    <label className="link-latency">
      Link latency {a} ↔ {b}
      <input
        type="number"
        min={0}
        step="any"
        value={text ?? current}
        placeholder={`network: ${scenario.network.latency.type === 'constant' ? `${scenario.network.latency.ms}` : scenario.network.latency.type}`}
        onChange={(e) => setText(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
        data-testid="link-latency"
      />
      ms
    </label>
  );
}
