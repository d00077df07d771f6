/**
 * "Parameters": the settings the scenario's nodes and policies read (arrival rates, workers,
 * service times, the call paths' policy settings) — numbers as sliders with number inputs,
 * choices (backoff kind, balancer algorithm) as lists, on/off (a retry budget) as checkboxes,
 * each with its unit and the schema's description. A choice changes the fields shown at once
 * (exponential backoff brings up its multiplier). "Apply & rerun" turns the changes
 * into `--set path=value`s on the scenario text, validates it as a file, and starts a new run
 * of the changed scenario (whose export then holds the new values). A value the validator
 * refuses is explained with its field path; nothing runs until it is fixed.
 */
import { useMemo, useState } from 'react';
import type { Scenario } from '../../sim/scenario/schema.ts';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import { ErrorList } from '../ErrorList.tsx';
import { formatNumber } from '../format.ts';
import type { ScenarioSource } from '../gallery.ts';
import {
  applyParameters,
  changeOf,
  changePath,
  findParameters,
  isUnchanged,
  pendingChanges,
  previewParameters,
  setArguments,
  withChange,
  type EditedSource,
  type NumberParameter,
  type Parameter,
} from './parameters.ts';
import './params.css';

interface Props {
  source: ScenarioSource;
  scenario: Scenario;
  /** Starts a run of the changed scenario (a new session, the seed kept). */
  onRerun: (source: EditedSource) => void;
  /** True while no run could start (an invalid seed). */
  disabled: boolean;
}

/** A pending change, and whether it came from a number input (one being typed may not be valid yet). */
interface Edit {
  change: string | null;
  number: boolean;
}

export function ParamsPanel({ source, scenario, onRerun, disabled }: Props) {
  const original = useMemo(() => findParameters(scenario), [scenario]);
  /** Field path → the pending change, for the fields that differ from the scenario. */
  const [edits, setEdits] = useState<Record<string, Edit>>({});
  const [errors, setErrors] = useState<ScenarioError[] | null>(null);
  // A new source (another scenario, or the one just applied) starts with nothing edited.
  const [shownFor, setShownFor] = useState(source);
  if (shownFor !== source) {
    setShownFor(source);
    setEdits({});
    setErrors(null);
  }

  const changes = useMemo(() => changesOf(edits), [edits]);
  // What the scenario would be with the changes: a choice brings up the fields it reads.
  const groups = useMemo(() => {
    if (Object.keys(changes).length === 0) return original;
    const numbers = new Set(Object.keys(edits).filter((path) => edits[path].number));
    return previewParameters(source, scenario, changes, numbers);
  }, [original, source, scenario, changes, edits]);
  const was = useMemo(() => new Map(original.flatMap((g) => g.parameters.map((p) => [p.path, p] as const))), [original]);

  const count = groups.reduce((n, g) => n + g.parameters.length, 0);
  const pending = pendingChanges(groups, changes);
  const changeCount = Object.keys(pending).length;
  const applied = setArguments(source);

  const edit = (p: Parameter, input: string | boolean) => {
    setErrors(null);
    const change = changeOf(p, input);
    const before = was.get(p.path) ?? p;
    const at = changePath(p);
    setEdits((prev) => {
      const next = withChange(changesOf(prev), at, change);
      const kept: Record<string, Edit> = {};
      for (const path of Object.keys(next)) kept[path] = path === at ? { change, number: p.kind === 'number' } : prev[path];
      if (before.kind === p.kind && isUnchanged(before, change)) delete kept[at];
      return kept;
    });
  };

  const apply = () => {
    const result = applyParameters(source, pending);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    onRerun(result.source);
  };

  if (count === 0) return null;
  return (
    <details className="params-panel" data-testid="params">
      <summary>
        Parameters <span className="muted">· {count} settings this scenario uses: change them and run again</span>
      </summary>
      <div className="params-groups">
        {groups.map((g) => (
          <fieldset className="params-group" key={g.title}>
            <legend>{g.title}</legend>
            {g.parameters.map((p) => (
              <ParameterRow key={p.path} parameter={p} original={was.get(p.path)} edit={edits[changePath(p)]} onChange={(input) => edit(p, input)} />
            ))}
          </fieldset>
        ))}
      </div>
      <div className="params-actions">
        <button type="button" className="button" onClick={apply} disabled={disabled || changeCount === 0} data-testid="params-apply">
          Apply &amp; rerun{changeCount > 0 ? ` (${changeCount} changed)` : ''}
        </button>
        <button type="button" className="button secondary" onClick={() => {
            setEdits({});
            setErrors(null);
          }} disabled={changeCount === 0}>
          Undo changes
        </button>
        <span className="muted">
          {disabled ? 'Enter a valid seed to run.' : 'Starts a new run with the same seed; the exported scenario holds the new values.'}
        </span>
      </div>
      {errors && (
        <div className="params-errors" role="alert">
          <p className="error-lead">These values are not valid, so nothing was run:</p>
          <ErrorList errors={errors} testId="params-errors" />
        </div>
      )}
      {applied && (
        <p className="params-applied" data-testid="params-applied">
          This run’s scenario is the file with <code>{applied.trim()}</code>
        </p>
      )}
    </details>
  );
}

function changesOf(edits: Record<string, Edit>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(edits).map(([path, e]) => [path, e.change]));
}

interface RowProps {
  parameter: Parameter;
  /** The parameter as the scenario has it (absent: a field the pending changes brought up). */
  original: Parameter | undefined;
  edit: Edit | undefined;
  onChange: (input: string | boolean) => void;
}

/** One parameter: its name, unit and description, and the control its kind calls for. */
function ParameterRow({ parameter: p, original, edit, onChange }: RowProps) {
  const id = `param-${p.path}`;
  const changed = edit !== undefined;
  const before = original && changed ? describeValue(original) : '';
  return (
    <div className={`param-row param-kind-${p.kind}${changed ? ' changed' : ''}`} data-param={p.path} title={p.help || undefined}>
      <label htmlFor={id} className="param-name">
        {p.label}
        {p.unit && <span className="param-unit"> ({p.unit})</span>}
      </label>
      <span className="param-was muted">{before ? `was ${before}` : ''}</span>
      {p.kind === 'number' && <NumberControl id={id} parameter={p} text={edit?.change ?? undefined} onChange={onChange} />}
      {p.kind === 'choice' && (
        <select id={id} className="param-choice" value={p.value} onChange={(e) => onChange(e.currentTarget.value)}>
          {p.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      )}
      {p.kind === 'toggle' && (
        <input id={id} type="checkbox" className="param-toggle" checked={p.value} onChange={(e) => onChange(e.currentTarget.checked)} />
      )}
      {p.help && <p className="param-help muted">{p.help}</p>}
    </div>
  );
}

function describeValue(p: Parameter): string {
  if (p.kind === 'number') return formatNumber(p.value);
  if (p.kind === 'toggle') return p.value ? 'on' : 'off';
  return p.value;
}

/** A slider over the parameter's range, and a number input for any value (even an invalid one, which Apply explains). */
function NumberControl({ id, parameter: p, text, onChange }: { id: string; parameter: NumberParameter; text: string | undefined; onChange: (text: string) => void }) {
  const shown = text ?? String(p.value);
  const n = Number(shown);
  const sliderValue = shown.trim() !== '' && Number.isFinite(n) ? Math.min(p.max, Math.max(p.min, n)) : p.value;
  return (
    <>
      <input
        type="range"
        min={p.min}
        max={p.max}
        step={p.step}
        value={sliderValue}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-label={`${p.label} (slider, ${formatNumber(p.min)} to ${formatNumber(p.max)})`}
      />
      <input
        id={id}
        type="number"
        step="any"
        className="param-number"
        value={shown}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-invalid={text !== undefined && (shown.trim() === '' || !Number.isFinite(n))}
      />
    </>
  );
}
