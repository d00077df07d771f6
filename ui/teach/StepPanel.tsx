/**
 * One lesson step beside the topology: narration, what it points at, its question (answered
 * before the measured answer shows), its action (Next waits for it) and its explanation.
 */
import { useState } from 'react';
import { readMetric } from '../../sim/check/checks.ts';
import type { RunResult } from '../../sim/scenario/run.ts';
import type { Prediction, Step } from '../../sim/lesson/schema.ts';
import { formatNumber } from '../format.ts';
import { isRight, measure, type Guess } from './judge.ts';
import { Markdown } from './Markdown.tsx';

interface Props {
  step: Step;
  index: number;
  count: number;
  guess: Guess | undefined;
  onGuess: (g: Guess) => void;
  /** The presenter showed the answer without a guess. */
  shownByPresenter: boolean;
  actionDone: boolean;
  /** The action's condition holds (not only skipped by the presenter). */
  actionMet: boolean;
  result: RunResult | null;
  revealed: boolean;
}

export function StepPanel({ step, index, count, guess, onGuess, shownByPresenter, actionDone, actionMet, result, revealed }: Props) {
  const answered = !step.predict || guess !== undefined || shownByPresenter;
  const metrics = step.highlight.flatMap((h) => (h.metric === undefined ? [] : [h.metric]));
  return (
    <div className="step" data-testid="step" data-step={index}>
      <p className="step-count muted">
        Step {index + 1} of {count}
      </p>
      {step.title && <h3 className="step-title">{step.title}</h3>}
      <Markdown source={step.narration} className="markdown narration" />
      {metrics.length > 0 && (
        <ul className="step-metrics" data-testid="step-metrics">
          {metrics.map((m) => {
            const value = result ? readMetric(result.metrics, m) : undefined;
            const shown = revealed || answered;
            return (
              <li key={m} className="highlighted-metric">
                <code>{m}</code>{' '}
                <strong data-testid="metric-value">{!shown ? 'shown at the reveal' : value === undefined ? (result ? 'not measured' : 'measuring…') : formatNumber(value)}</strong>
              </li>
            );
          })}
        </ul>
      )}
      {step.predict && <PredictionBox key={index} prediction={step.predict} guess={guess} onGuess={onGuess} shownByPresenter={shownByPresenter} result={result} />}
      {step.action && (
        <div className={`callout action${actionDone ? ' done' : ''}`} data-testid="action" data-done={actionMet}>
          <h4>{actionMet ? '✓ Done' : actionDone ? 'Skipped by the presenter' : 'Your turn'}</h4>
          <Markdown source={step.action.instruction} />
        </div>
      )}
      {step.explanation && answered && actionDone && (
        <div className="callout explanation" data-testid="explanation">
          <Markdown source={step.explanation} />
        </div>
      )}
    </div>
  );
}

function PredictionBox({ prediction, guess, onGuess, shownByPresenter, result }: { prediction: Prediction; guess: Guess | undefined; onGuess: (g: Guess) => void; shownByPresenter: boolean; result: RunResult | null }) {
  const [typed, setTyped] = useState('');
  const [choice, setChoice] = useState<number | null>(null);
  const number = typed.trim() === '' ? NaN : Number(typed);
  const answered = guess !== undefined || shownByPresenter;
  return (
    <form
      className="callout predict"
      data-testid="predict"
      onSubmit={(e) => {
        e.preventDefault();
        if (prediction.type === 'number' && Number.isFinite(number)) onGuess({ type: 'number', value: number });
        if (prediction.type === 'choice' && choice !== null) onGuess({ type: 'choice', index: choice });
      }}
    >
      <h4>Predict</h4>
      <Markdown source={prediction.question} />
      {prediction.type === 'number' ? (
        <label className="predict-number">
          <input type="text" inputMode="decimal" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} disabled={answered} aria-label="Your prediction" data-testid="predict-input" />
          <span>{prediction.unit}</span>
        </label>
      ) : (
        <fieldset className="predict-choices" disabled={answered}>
          {prediction.choices.map((c, i) => (
            <label key={i}>
              <input type="radio" name="choice" checked={choice === i} onChange={() => setChoice(i)} data-testid={`predict-choice-${i}`} /> {c}
            </label>
          ))}
        </fieldset>
      )}
      {!answered && (
        <button type="submit" className="button" disabled={prediction.type === 'number' ? !Number.isFinite(number) : choice === null} data-testid="predict-answer">
          Answer
        </button>
      )}
      {answered && <Verdict prediction={prediction} guess={guess} result={result} />}
    </form>
  );
}

/** The learner's guess against the measured value, right or wrong. */
function Verdict({ prediction, guess, result }: { prediction: Prediction; guess: Guess | undefined; result: RunResult | null }) {
  if (prediction.type === 'choice') {
    const right = guess ? isRight(prediction, guess, undefined) : undefined;
    return (
      <p className="verdict" data-testid="verdict" data-right={right}>
        {right === undefined ? '' : right ? '✓ Right. ' : '✗ Not quite. '}The answer: <strong>{prediction.choices[prediction.correct]}</strong>
      </p>
    );
  }
  const measured = measure(prediction.answer, result);
  if (measured === undefined) {
    return (
      <p className="verdict muted" data-testid="verdict">
        {result ? 'The run does not measure this.' : 'Measuring… the answer shows when the run is complete.'}
      </p>
    );
  }
  const right = guess ? isRight(prediction, guess, measured) : undefined;
  const unit = prediction.unit ? ` ${prediction.unit}` : '';
  return (
    <p className="verdict" data-testid="verdict" data-right={right}>
      {guess?.type === 'number' && (
        <>
          You said <strong>{formatNumber(guess.value)}{unit}</strong>; the run measured{' '}
        </>
      )}
      {guess === undefined && 'The run measured '}
      <strong data-testid="measured">{formatNumber(measured)}{unit}</strong>.{right === undefined ? '' : right ? ' ✓ Right.' : ' ✗ Not within the tolerance.'}
    </p>
  );
}
