/**
 * "Parameters": the scenario's main numbers (arrival rates, workers, service times, the call
 * paths' policy settings) as sliders with number inputs. "Apply & rerun" turns the changes
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
import { applyParameters, findParameters, setArguments, type EditedSource, type Parameter } from './parameters.ts';
import './params.css';

interface Props {
  source: ScenarioSource;
  scenario: Scenario;
  /** Starts a run of the changed scenario (a new session, the seed kept). */
  onRerun: (source: EditedSource) => void;
  /** True while no run could start (an invalid seed). */
  disabled: boolean;
}

export function ParamsPanel({ source, scenario, onRerun, disabled }: Props) {
  const groups = useMemo(() => findParameters(scenario), [scenario]);
  /** Field path → the value as typed, for the fields that differ from the scenario. */
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<ScenarioError[] | null>(null);
  // A new source (another scenario, or the one just applied) starts with nothing edited.
  const [shownFor, setShownFor] = useState(source);
  if (shownFor !== source) {
    setShownFor(source);
    setEdits({});
    setErrors(null);
  }

  const count = groups.reduce((n, g) => n + g.parameters.length, 0);
  const changes = Object.keys(edits).length;
  const applied = setArguments(source);

  const edit = (p: Parameter, text: string) => {
    setErrors(null);
    setEdits((prev) => {
      const next = { ...prev };
      if (Number(text) === p.value && text.trim() !== '') delete next[p.path];
      else next[p.path] = text;
      return next;
    });
  };

  const apply = () => {
    const result = applyParameters(source, edits);
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
        Parameters <span className="muted">· {count} numbers of this scenario: change them and run again</span>
      </summary>
      <div className="params-groups">
        {groups.map((g) => (
          <fieldset className="params-group" key={g.title}>
            <legend>{g.title}</legend>
            {g.parameters.map((p) => (
              <ParameterRow key={p.path} parameter={p} text={edits[p.path]} onChange={(t) => edit(p, t)} />
            ))}
          </fieldset>
        ))}
      </div>
      <div className="params-actions">
        <button type="button" className="button" onClick={apply} disabled={disabled || changes === 0} data-testid="params-apply">
          Apply &amp; rerun{changes > 0 ? ` (${changes} changed)` : ''}
        </button>
        <button type="button" className="button secondary" onClick={() => {
            setEdits({});
            setErrors(null);
          }} disabled={changes === 0}>
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

/** One parameter: its name, a slider over its range, and a number input for any value (even an invalid one, which Apply explains). */
function ParameterRow({ parameter: p, text, onChange }: { parameter: Parameter; text: string | undefined; onChange: (text: string) => void }) {
  const shown = text ?? String(p.value);
  const n = Number(shown);
  const sliderValue = shown.trim() !== '' && Number.isFinite(n) ? Math.min(p.max, Math.max(p.min, n)) : p.value;
  const id = `param-${p.path}`;
  return (
    <div className={`param-row${text !== undefined ? ' changed' : ''}`} data-param={p.path} title={p.help || undefined}>
      <label htmlFor={id} className="param-name">
        {p.label}
      </label>
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
      <span className="param-was muted">{text !== undefined ? `was ${formatNumber(p.value)}` : ''}</span>
    </div>
  );
}
