/**
 * A challenge: the brief, the fields the learner may change as inputs within their ranges, and
 * Grade, which grades exactly as `npm run sim -- grade` does — prepareSubmission, every seed run
 * (here in the simulation worker), summarizeGrade — and shows pass/fail per goal per seed and
 * the cost. Export saves the submission: the file `grade` reads.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CheckResult } from '../../sim/check/checks.ts';
import { prepareSubmission, summarizeGrade, valuesAt, type Grade, type SeedRun } from '../../sim/lesson/grade.ts';
import type { PlayedScenario } from '../../sim/lesson/load.ts';
import type { AllowRule, Challenge } from '../../sim/lesson/schema.ts';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import { ErrorList } from '../ErrorList.tsx';
import { download } from '../export.ts';
import { formatNumber } from '../format.ts';
import { applyParameters } from '../params/parameters.ts';
import { playedSource } from './lesson-source.ts';
import { Markdown } from './Markdown.tsx';
import { runHeadless } from './run-headless.ts';

interface Props {
  name: string;
  challenge: Challenge;
  played: PlayedScenario;
  onGraded: (grade: Grade) => void;
}

type GradeState =
  | { phase: 'idle' }
  | { phase: 'grading'; done: number }
  | { phase: 'refused'; errors: ScenarioError[] }
  | { phase: 'failed'; message: string }
  | { phase: 'graded'; grade: Grade; runs: SeedRun[] };

export function ChallengePanel({ name, challenge, played, onGraded }: Props) {
  const source = useMemo(() => playedSource(played, challenge.variant), [played, challenge.variant]);
  const fields = useMemo(() => editableFields(challenge.allow, played.scenario), [challenge.allow, played.scenario]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [state, setState] = useState<GradeState>({ phase: 'idle' });
  const stopRef = useRef<(() => void) | null>(null);
  useEffect(() => () => stopRef.current?.(), []);

  /** The submission file: the played scenario with the learner's values (what Export saves). */
  const submission = (): { ok: true; text: string } | { ok: false; errors: ScenarioError[] } => {
    const changes = Object.fromEntries(Object.entries(values).filter(([path, v]) => v.trim() !== '' && v !== asInput(fields.find((f) => f.path === path)?.value)));
    if (Object.keys(changes).length === 0) return { ok: true, text: source.text };
    const applied = applyParameters(source, changes);
    return applied.ok ? { ok: true, text: applied.source.text } : applied;
  };

  const grade = async () => {
    const made = submission();
    if (!made.ok) return setState({ phase: 'refused', errors: made.errors });
    const prepared = prepareSubmission(challenge, played.scenario, made.text);
    if (!prepared.ok) return setState({ phase: 'refused', errors: prepared.errors });
    const runs: SeedRun[] = [];
    for (const seed of prepared.seeds) {
      setState({ phase: 'grading', done: runs.length });
      const job = runHeadless(JSON.stringify(prepared.scenario), seed);
      stopRef.current = job.stop;
      const out = await job.done;
      if (!out.ok) return setState('message' in out ? { phase: 'failed', message: out.message } : { phase: 'refused', errors: out.errors });
      runs.push({ seed, traceHash: out.result.traceHash, outcome: out.result.outcome, checks: out.result.checks });
    }
    const graded = summarizeGrade(prepared, runs);
    setState({ phase: 'graded', grade: graded, runs });
    onGraded(graded);
  };

  const exportSubmission = () => {
    const made = submission();
    if (!made.ok) return setState({ phase: 'refused', errors: made.errors });
    download(`${name.replace(/\//g, '-')}-submission.json`, made.text);
  };

  return (
    <section className="challenge" data-testid="challenge">
      <h2 data-testid="challenge-title">{challenge.title}</h2>
      <Markdown source={challenge.brief} className="markdown narration" />
      <h3>What you may change</h3>
      <div className="challenge-fields">
        {fields.map((f) => (
          <FieldInput key={f.path} field={f} value={values[f.path] ?? asInput(f.value)} onChange={(v) => setValues((all) => ({ ...all, [f.path]: v }))} />
        ))}
        {challenge.allow
          .filter((r) => r.policies)
          .map((r) => (
            <p key={r.path} className="muted">
              <code>{r.path}</code>: a call path of {r.policies!.join(', ')} — edit it in the exported file.
            </p>
          ))}
      </div>
      {challenge.budgets.map((b) => (
        <p key={b.name} className="muted">
          Budget “{b.name}”: {b.sum.join(' + ')} ≤ {formatNumber(b.max)}
        </p>
      ))}
      <div className="challenge-actions">
        <button type="button" className="button" onClick={() => void grade()} disabled={state.phase === 'grading'} data-testid="grade">
          Grade ({challenge.seeds.length} seed{challenge.seeds.length === 1 ? '' : 's'})
        </button>
        <button type="button" className="button secondary" onClick={exportSubmission} data-testid="export-submission">
          Export submission
        </button>
        {state.phase === 'grading' && (
          <span className="muted">
            Running seed {state.done + 1} of {challenge.seeds.length}…
          </span>
        )}
      </div>
      {state.phase === 'refused' && (
        <>
          <p className="error-lead">The grader refuses this submission:</p>
          <ErrorList errors={state.errors} testId="grade-errors" />
        </>
      )}
      {state.phase === 'failed' && <p className="error-lead">{state.message}</p>}
      {state.phase === 'graded' && <GradeTable grade={state.grade} runs={state.runs} />}
    </section>
  );
}

function GradeTable({ grade, runs }: { grade: Grade; runs: SeedRun[] }) {
  const verdict = (checks: CheckResult[], goal: string) => checks.find((c) => c.name === goal);
  return (
    <div className="grade" data-testid="grade-result" data-passed={grade.passed} data-cost={grade.cost}>
      <p className={grade.passed ? 'good' : 'bad'}>
        <strong>{grade.passed ? 'Passed' : 'Not passed'}</strong> · cost {formatNumber(grade.cost)} (lower is better)
      </p>
      <table className="grade-table">
        <thead>
          <tr>
            <th>Goal</th>
            {runs.map((r) => (
              <th key={r.seed} data-trace-hash={r.traceHash} data-testid="grade-seed">
                seed {r.seed}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grade.goals.map((g) => (
            <tr key={g.name}>
              <td>{g.name}</td>
              {runs.map((r) => {
                const c = verdict(r.checks, g.name);
                return (
                  <td key={r.seed} className={c?.ok ? 'good' : 'bad'} title={c?.detail}>
                    {c?.ok ? '✓ pass' : '✗ fail'}
                  </td>
                );
              })}
            </tr>
          ))}
          {grade.seeds.some((s) => s.limit) && (
            <tr>
              <td>run completed</td>
              {grade.seeds.map((s) => (
                <td key={s.seed} className={s.limit ? 'bad' : 'good'}>
                  {s.limit ? `✗ ${s.limit}` : '✓'}
                </td>
              ))}
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A field's value as its input holds it (a string as JSON, as a --set value reads). */
function asInput(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

interface EditableField {
  path: string;
  rule: AllowRule;
  value: unknown;
}

/** Each allowed number or choice at a concrete path (`[*]` expanded over the scenario's arrays). */
function editableFields(rules: readonly AllowRule[], scenario: unknown): EditableField[] {
  return rules
    .filter((r) => !r.policies)
    .flatMap((rule) => concretePaths(scenario, rule.path).map((path) => ({ path, rule, value: valuesAt(scenario, path)[0] })))
    .filter((f) => f.value !== undefined && typeof f.value !== 'object');
}

/** `nodes[*].workers` → `nodes[0].workers`, `nodes[1].workers`, … for the arrays there are. */
function concretePaths(root: unknown, pattern: string): string[] {
  const star = pattern.indexOf('[*]');
  if (star < 0) return [pattern];
  const before = pattern.slice(0, star);
  const list = before === '' ? root : valuesAt(root, before)[0];
  if (!Array.isArray(list)) return [];
  return list.flatMap((_, i) => concretePaths(root, `${before}[${i}]${pattern.slice(star + 3)}`));
}

function FieldInput({ field, value, onChange }: { field: EditableField; value: string; onChange: (v: string) => void }) {
  const { rule } = field;
  const label = rule.label ?? field.path;
  if (rule.values) {
    return (
      <label className="challenge-field">
        <span>{label}</span>
        <select value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={`allow-${field.path}`}>
          {rule.values.map((v) => (
            <option key={String(v)} value={typeof v === 'string' ? JSON.stringify(v) : String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  const range = rule.min !== undefined || rule.max !== undefined ? ` (${rule.min ?? '…'}–${rule.max ?? '…'}${rule.integer ? ', whole' : ''})` : '';
  return (
    <label className="challenge-field">
      <span>
        {label}
        <span className="muted">{range}</span>
      </span>
      <input type="number" value={value} min={rule.min} max={rule.max} step={rule.integer ? 1 : 'any'} onChange={(e) => onChange(e.currentTarget.value)} data-testid={`allow-${field.path}`} />
    </label>
  );
}
