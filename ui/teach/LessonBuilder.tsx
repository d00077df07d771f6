/**
 * The lesson builder (its own chunk, opened from the sandbox): steps made from the sandbox's
 * current state — "pause here" at the cursor, "highlight this node", "ask this" about a metric —
 * then the lesson exported as a file or a share link (#lesson-data=…). Opening either plays it in
 * Learn mode. The scenario is the built-in by name when it is unchanged, else inline: the file
 * as edited, with the run's interventions in its fault timeline (as Export scenario writes it).
 */
import { useState } from 'react';
import type { Step } from '../../sim/lesson/schema.ts';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import { ErrorList } from '../ErrorList.tsx';
import { download, exportScenarioText } from '../export.ts';
import { formatSimTime } from '../format.ts';
import type { ScenarioSource } from '../gallery.ts';
import { isEdited } from '../params/parameters.ts';
import type { Session } from '../session.ts';
import { loadTeaching } from './catalog.ts';
import { lessonFragment } from './lesson-link.ts';
import './teach.css';

interface Props {
  source: ScenarioSource;
  session: Session | null;
  seed: number;
  cursorUs: () => number;
}

export default function LessonBuilder({ source, session, seed, cursorUs }: Props) {
  const scenario = source.loaded.ok ? source.loaded.scenario : null;
  const [title, setTitle] = useState(scenario ? `About ${scenario.title}` : 'A lesson');
  const [steps, setSteps] = useState<Step[]>([]);
  const [narration, setNarration] = useState('');
  const [pauseHere, setPauseHere] = useState(true);
  const [node, setNode] = useState('');
  const [question, setQuestion] = useState('');
  const [metric, setMetric] = useState('client.timeout');
  const [unit, setUnit] = useState('');
  const [errors, setErrors] = useState<ScenarioError[] | null>(null);
  const [link, setLink] = useState('');
  if (!scenario) return null;

  const addStep = () => {
    const step: Step = { narration: narration.trim() || '…', highlight: node ? [{ node }] : [], reveal: false };
    if (pauseHere) step.pauseAtMs = Math.round(cursorUs() / 1000);
    if (question.trim()) step.predict = { type: 'number', question: question.trim(), unit, answer: { metric }, tolerancePct: 25 };
    setSteps((s) => [...s, step]);
    setNarration('');
    setQuestion('');
  };

  const lessonText = (): string | null => {
    const interventions = session?.interventions.length ?? 0;
    const named = source.folder !== null && !isEdited(source) && interventions === 0;
    const inline = interventions > 0 && session?.result ? exportScenarioText(session.text, seed, session.result.faultLog) : source.text;
    const lesson = {
      kind: 'lesson',
      version: 1,
      title,
      summary: `A lesson on ${scenario.title}.`,
      scenario: named ? source.id : JSON.parse(inline),
      seed,
      // The last step shows the run's results.
      steps: steps.map((s, i) => (i === steps.length - 1 ? { ...s, reveal: true } : s)),
    };
    const text = `${JSON.stringify(lesson, null, 2)}\n`;
    const loaded = loadTeaching(text);
    setErrors(loaded.ok ? null : loaded.errors);
    return loaded.ok ? text : null;
  };

  const share = async () => {
    const text = lessonText();
    if (!text) return;
    const made = await lessonFragment(text);
    if (!made.ok) return setErrors([{ path: '(link)', message: made.message }]);
    setLink(`${location.origin}${location.pathname}${made.fragment}`);
  };

  return (
    <section className="lesson-builder" data-testid="lesson-builder" aria-label="Lesson builder">
      <h3>Lesson builder</h3>
      <label className="builder-row">
        <span>Title</span>
        <input type="text" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-testid="builder-title" />
      </label>
      <label className="builder-row">
        <span>Narration</span>
        <textarea value={narration} onChange={(e) => setNarration(e.currentTarget.value)} rows={3} data-testid="builder-narration" />
      </label>
      <label className="builder-row">
        <span>Pause here</span>
        <input type="checkbox" checked={pauseHere} onChange={(e) => setPauseHere(e.currentTarget.checked)} data-testid="builder-pause" />
      </label>
      <label className="builder-row">
        <span>Highlight node</span>
        <select value={node} onChange={(e) => setNode(e.currentTarget.value)} data-testid="builder-node">
          <option value="">none</option>
          {[...scenario.nodes, ...scenario.workloads].map((n) => (
            <option key={n.id} value={n.id}>
              {n.id}
            </option>
          ))}
        </select>
      </label>
      <label className="builder-row">
        <span>Ask this</span>
        <input type="text" value={question} placeholder="a question (optional)" onChange={(e) => setQuestion(e.currentTarget.value)} data-testid="builder-question" />
      </label>
      <label className="builder-row">
        <span>Answer: metric, unit</span>
        <span className="builder-pair">
          <input type="text" value={metric} onChange={(e) => setMetric(e.currentTarget.value)} data-testid="builder-metric" />
          <input type="text" value={unit} onChange={(e) => setUnit(e.currentTarget.value)} placeholder="unit" data-testid="builder-unit" />
        </span>
      </label>
      <div className="builder-actions">
        <button type="button" className="button" onClick={addStep} data-testid="builder-add">
          Add step
        </button>
        <button type="button" className="button secondary" disabled={steps.length === 0} onClick={() => { const t = lessonText(); if (t) download('lesson.json', t); }} data-testid="builder-export">
          Export lesson
        </button>
        <button type="button" className="button secondary" disabled={steps.length === 0} onClick={() => void share()} data-testid="builder-share">
          Share link
        </button>
      </div>
      <ol className="builder-steps" data-testid="builder-steps">
        {steps.map((s, i) => (
          <li key={i}>
            {s.narration}
            {s.pauseAtMs !== undefined && <span className="muted"> · pause at {formatSimTime(s.pauseAtMs * 1000)}</span>}
            {s.highlight.length > 0 && <span className="muted"> · highlight {s.highlight[0].node}</span>}
            {s.predict && <span className="muted"> · asks</span>}
          </li>
        ))}
      </ol>
      {link && (
        <p>
          <a href={link} data-testid="builder-link">
            Open the lesson
          </a>{' '}
          <input type="text" readOnly value={link} aria-label="Lesson link" />
        </p>
      )}
      {errors && <ErrorList errors={errors} testId="builder-errors" />}
    </section>
  );
}
