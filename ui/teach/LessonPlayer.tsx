/**
 * The lesson player: the step panel beside the sandbox's topology and charts. The run starts at
 * once and plays to each step's pause; the step's highlights are drawn on the views; results
 * and checks stay hidden until a step that reveals them; Next waits for the step's prediction
 * and action. In presenter mode the keys drive it (see PRESENTER_KEYS) and R shows a step's
 * answer without a guess.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { PlayedScenario } from '../../sim/lesson/load.ts';
import type { Lesson, Step } from '../../sim/lesson/schema.ts';
import type { ScenarioSource } from '../gallery.ts';
import { computeLayout } from '../layout.ts';
import { variantOf } from '../params/parameters.ts';
import { ParamsPanel } from '../params/ParamsPanel.tsx';
import { VariantPicker } from '../params/VariantPicker.tsx';
import { createPlayer } from '../playback.ts';
import { Results } from '../Results.tsx';
import { RunStatus } from '../RunStatus.tsx';
import { Sandbox, type TopologyHighlights } from '../Sandbox.tsx';
import { Session } from '../session.ts';
import { conditionHolds, type Guess } from './judge.ts';
import { playedSource } from './lesson-source.ts';
import { StepPanel } from './StepPanel.tsx';
import { usePresenterKeys } from './presenter.ts';

const noSubscribe = () => () => {};
const zero = () => 0;

interface Props {
  lesson: Lesson;
  played: PlayedScenario;
  /** Where to start (remembered progress). */
  firstStep: number;
  presenter: boolean;
  /** A step was reached; `done` when the lesson was finished. */
  onProgress: (step: number, done: boolean) => void;
  /** After the last step: the course's next entry (or the course page). */
  onFinish: () => void;
}

export function LessonPlayer({ lesson, played, firstStep, presenter, onProgress, onFinish }: Props) {
  const original = useMemo(() => playedSource(played, lesson.variant), [played, lesson.variant]);
  const [source, setSource] = useState<ScenarioSource>(original);
  const scenario = source.loaded.ok ? source.loaded.scenario : played.scenario;
  const seed = lesson.seed ?? scenario.seed;
  const layout = useMemo(() => computeLayout(scenario), [scenario]);
  const endUs = Math.round(scenario.durationMs * 1000);
  const player = useMemo(() => createPlayer(endUs), [endUs]);
  const [session, setSession] = useState<Session | null>(null);
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getStateVersion ?? zero);
  useEffect(() => () => session?.dispose(), [session]);

  const [stepIndex, setStepIndex] = useState(Math.min(firstStep, lesson.steps.length - 1));
  const step = lesson.steps[stepIndex];
  const [guesses, setGuesses] = useState<Record<number, Guess>>({});
  const [shown, setShown] = useState<ReadonlySet<number>>(new Set());
  /** Runs the learner started since the step began, with the variant each ran. */
  const [runs, setRuns] = useState<{ variant: string | null }[]>([]);
  const [showControls, setShowControls] = useState(false);
  /** Presenter mode: the narration across the whole width, the system below it (W), or beside it. */
  const [wide, setWide] = useState(false);

  const run = useCallback(
    (next: ScenarioSource, byLearner: boolean) => {
      if (!next.loaded.ok) return;
      setSource(next);
      const s = new Session(next.text, next.loaded.scenario, seed);
      setSession(s);
      s.start();
      if (byLearner) setRuns((r) => [...r, { variant: variantOf(next) }]);
    },
    [seed],
  );

  // The lesson's own run starts at once.
  useEffect(() => run(original, false), [original, run]);

  usePauseAt(player, step.pauseAtMs, stepIndex, session);

  const revealed = lesson.steps.slice(0, stepIndex + 1).some((s) => s.reveal);
  const result = session?.phase === 'done' ? session.result : null;
  const actionMet = !step.action || conditionHolds(step.action.until, { interventions: session?.interventions ?? [], runs, scenario, result });
  const actionDone = actionMet || shown.has(stepIndex);
  const answered = !step.predict || guesses[stepIndex] !== undefined || shown.has(stepIndex);
  const canNext = answered && actionDone;
  const last = stepIndex === lesson.steps.length - 1;

  const goTo = useCallback(
    (index: number) => {
      setStepIndex(index);
      setRuns([]);
      onProgress(index, false);
    },
    [onProgress],
  );
  const next = useCallback(() => {
    if (!canNext) return;
    if (last) {
      onProgress(stepIndex, true);
      onFinish();
    } else goTo(stepIndex + 1);
  }, [canNext, last, stepIndex, goTo, onProgress, onFinish]);
  const back = useCallback(() => stepIndex > 0 && goTo(stepIndex - 1), [stepIndex, goTo]);
  const replayStep = useCallback(() => {
    player.seek(previousPauseUs(lesson.steps, stepIndex));
    player.play();
  }, [player, lesson.steps, stepIndex]);
  const reveal = useCallback(() => setShown((s) => new Set([...s, stepIndex])), [stepIndex]);

  usePresenterKeys(presenter, { next, back, reveal, replay: replayStep, toggleControls: () => setShowControls((c) => !c), toggleWide: () => setWide((w) => !w) });

  const highlights = useMemo(() => topologyHighlights(step), [step]);
  useChartHighlights(step);

  return (
    <div className={`lesson-player${presenter ? ' presenter' : ''}${presenter && wide ? ' wide' : ''}${showControls ? ' controls-shown' : ''}`} data-testid="lesson-player" data-revealed={revealed}>
      <aside className="step-panel" aria-label="Lesson step">
        <h2 className="lesson-title" data-testid="lesson-title">
          {lesson.title}
        </h2>
        <StepPanel
          step={step}
          index={stepIndex}
          count={lesson.steps.length}
          guess={guesses[stepIndex]}
          onGuess={(g) => setGuesses((all) => ({ ...all, [stepIndex]: g }))}
          shownByPresenter={shown.has(stepIndex)}
          actionDone={actionDone}
          actionMet={actionMet}
          result={result}
          revealed={revealed}
        />
        <div className="step-nav">
          <button type="button" className="button secondary" onClick={back} disabled={stepIndex === 0} data-testid="step-back">
            Back
          </button>
          <button type="button" className="button secondary" onClick={replayStep} title="Play this step again from the previous pause" data-testid="step-replay">
            Replay step
          </button>
          <button type="button" className="button" onClick={next} disabled={!canNext} data-testid="step-next" title={canNext ? '' : step.predict && !answered ? 'Answer the question first' : 'Do what the step asks first'}>
            {last ? 'Finish' : 'Next'}
          </button>
        </div>
        {presenter && (
          <p className="presenter-hint muted">
            N next · B back · R reveal · P replay step · C controls · W width
          </p>
        )}
      </aside>
      <div className="lesson-stage">
        <section className="controls lesson-controls" aria-label="Run">
          <button type="button" className="button" onClick={() => run(source, true)} disabled={session?.phase === 'running'} data-testid="run">
            Run
          </button>
          <VariantPicker source={source} onRun={(s) => run(s, true)} disabled={false} />
          <RunStatus session={session} player={player} count={runs.length + 1} seedValid />
        </section>
        <div className="lesson-params">
          <ParamsPanel source={source} scenario={scenario} onRerun={(s) => run(s, true)} disabled={false} />
        </div>
        <Sandbox scenario={scenario} sourceId={source.id} layout={layout} session={session} player={player} onStart={() => run(source, true)} highlights={highlights} />
        {revealed && result ? (
          <Results result={result} scenario={scenario} replay={null} />
        ) : (
          <p className="muted results-hidden" data-testid="results-hidden">
            The run’s results and checks are hidden until the lesson reveals them.
          </p>
        )}
      </div>
    </div>
  );
}

/** The topology's part of a step's highlights (charts and metrics are shown elsewhere). */
function topologyHighlights(step: Step): TopologyHighlights {
  return {
    nodes: step.highlight.flatMap((h) => (h.node === undefined ? [] : [h.node])),
    links: step.highlight.flatMap((h) => (h.link === undefined ? [] : [h.link])),
    badges: step.highlight.flatMap((h) => (h.badge === undefined ? [] : [h.badge])),
  };
}

/** Rings a chart by its title (the figure's caption), while the step shows. */
function useChartHighlights(step: Step): void {
  useEffect(() => {
    const titles = step.highlight.flatMap((h) => (h.chart === undefined ? [] : [h.chart.trim().toLowerCase()]));
    const figures = [...document.querySelectorAll<HTMLElement>('.lesson-player figure.chart')];
    for (const figure of figures) {
      const title = figure.querySelector('.chart-title')?.firstChild?.textContent?.trim().toLowerCase() ?? '';
      figure.classList.toggle('highlighted', titles.includes(title));
    }
  }, [step]);
}

/** The time a step plays from: the pause of the step before it that has one, or the start. */
function previousPauseUs(steps: readonly Step[], index: number): number {
  for (let i = index - 1; i >= 0; i--) {
    const at = steps[i].pauseAtMs;
    if (at !== undefined) return at * 1000;
  }
  return 0;
}

/**
 * The run plays to the step's pause and stops there: entering a step plays on from where the
 * cursor is (or goes back to the pause, coming from a later step); the frame loop stops the
 * clock at the pause. A step without a pause leaves the clock alone.
 */
function usePauseAt(player: ReturnType<typeof createPlayer>, pauseAtMs: number | undefined, stepIndex: number, session: Session | null): void {
  const armed = useRef(false);
  useEffect(() => {
    if (pauseAtMs === undefined || !session) return;
    const pauseUs = pauseAtMs * 1000;
    if (player.cursorUs > pauseUs) {
      player.seek(pauseUs);
      player.pause();
    } else player.play();
    armed.current = true;
    let raf = 0;
    const watch = () => {
      raf = requestAnimationFrame(watch);
      if (armed.current && player.cursorUs >= pauseUs) {
        armed.current = false;
        player.pause();
        player.seek(pauseUs);
      }
      // Replaying the step (the cursor went back) arms the stop again.
      if (player.cursorUs < pauseUs) armed.current = true;
    };
    raf = requestAnimationFrame(watch);
    return () => cancelAnimationFrame(raf);
  }, [player, pauseAtMs, stepIndex, session]);
}
