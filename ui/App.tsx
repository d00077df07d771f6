import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { MAX_SCENARIO_BYTES, type ScenarioError } from '../sim/scenario/load.ts';
import type { RunResult } from '../sim/scenario/run.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { ErrorList } from './ErrorList.tsx';
import { formatNumber, formatPercent, formatSimTime } from './format.ts';
import { BUILT_IN, type ScenarioSource } from './gallery.ts';
import { Gallery } from './Gallery.tsx';
import { loadScenarioText } from './load.ts';
import type { WorkerMessage } from './protocol.ts';
import { Results } from './Results.tsx';
import { startRun, type RunHandle } from './runner.ts';

type RunState =
  | { phase: 'idle' }
  | { phase: 'running'; fraction: number; simTimeUs: number; events: number }
  | { phase: 'done'; result: RunResult; scenario: Scenario; replay: string | null }
  | { phase: 'stopped' }
  | { phase: 'invalid'; errors: ScenarioError[] }
  | { phase: 'failed'; message: string };

declare global {
  interface Window {
    /** For tests and the curious: the last finished run. */
    __faultline?: { lastResult: RunResult | null };
  }
}

window.__faultline = { lastResult: null };

export function App() {
  const [opened, setOpened] = useState<ScenarioSource | null>(null);
  const [selected, setSelected] = useState<ScenarioSource | null>(BUILT_IN[0] ?? null);
  const [seedText, setSeedText] = useState(() => seedOf(BUILT_IN[0]));
  const [run, setRun] = useState<RunState>({ phase: 'idle' });
  const [runCount, setRunCount] = useState(0);
  const handle = useRef<RunHandle | null>(null);

  const stop = useCallback(() => {
    handle.current?.stop();
    handle.current = null;
  }, []);
  useEffect(() => stop, [stop]);

  const select = useCallback(
    (source: ScenarioSource) => {
      stop();
      setSelected(source);
      setSeedText(seedOf(source));
      setRun({ phase: 'idle' });
    },
    [stop],
  );

  const openFile = useCallback(
    async (event: ChangeEvent<HTMLInputElement>) => {
      const input = event.currentTarget;
      const file = input.files?.[0];
      input.value = ''; // choosing the same file again reloads it
      if (!file) return;
      const source = await readFile(file);
      setOpened(source);
      select(source);
    },
    [select],
  );

  const seed = parseSeed(seedText);
  const scenario = selected?.loaded.ok ? selected.loaded.scenario : null;

  const start = useCallback(() => {
    if (!selected || !scenario || seed === null) return;
    stop();
    const replay = replayCommand(selected, seed);
    setRun({ phase: 'running', fraction: 0, simTimeUs: 0, events: 0 });
    setRunCount((n) => n + 1);
    handle.current = startRun({ text: selected.text, seed }, (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress':
          setRun({ phase: 'running', fraction: m.fraction, simTimeUs: m.simTimeUs, events: m.events });
          break;
        case 'result':
          handle.current = null;
          window.__faultline = { lastResult: m.result };
          setRun({ phase: 'done', result: m.result, scenario, replay });
          break;
        case 'invalid':
          handle.current = null;
          setRun({ phase: 'invalid', errors: m.errors });
          break;
        case 'failed':
          handle.current = null;
          setRun({ phase: 'failed', message: m.message });
          break;
      }
    });
  }, [selected, scenario, seed, stop]);

  const running = run.phase === 'running';

  return (
    <div className="app">
      <header className="app-header">
        <h1>Faultline</h1>
        <p className="tagline">A deterministic simulator of distributed systems — sandbox</p>
      </header>
      <div className="layout">
        <aside className="sidebar">
          <label className="open-file">
            <span className="button secondary">Open file…</span>
            <input type="file" accept=".json,application/json" onChange={(e) => void openFile(e)} data-testid="open-file" />
          </label>
          <Gallery builtIn={BUILT_IN} opened={opened} selectedId={selected?.id ?? null} onSelect={select} />
        </aside>

        <main className="content">
          {!selected && <p className="muted">No scenario selected.</p>}

          {selected && !selected.loaded.ok && (
            <section className="scenario invalid" data-testid="scenario-invalid">
              <h2>{selected.id}</h2>
              <p className="error-lead">This file is not a valid scenario:</p>
              <ErrorList errors={selected.loaded.errors} testId="scenario-errors" />
            </section>
          )}

          {selected && scenario && (
            <>
              <section className="scenario" data-testid="scenario">
                <p className="scenario-source">{selected.folder ? `scenarios/${selected.id}.json` : `opened file ${selected.id}`}</p>
                <h2 data-testid="scenario-title">{scenario.title}</h2>
                <p className="description">{scenario.description}</p>
                {scenario.watch && (
                  <div className="callout watch">
                    <h3>What to watch</h3>
                    <p>{scenario.watch}</p>
                  </div>
                )}
                {scenario.notes && (
                  <div className="callout notes">
                    <h3>Notes</h3>
                    <p>{scenario.notes}</p>
                  </div>
                )}
              </section>

              <section className="controls" aria-label="Run">
                <label className="seed">
                  Seed
                  <input
                    type="text"
                    inputMode="numeric"
                    value={seedText}
                    onChange={(e) => setSeedText(e.currentTarget.value)}
                    aria-invalid={seed === null}
                    data-testid="seed"
                  />
                </label>
                <button type="button" className="button" onClick={start} disabled={seed === null || running} data-testid="run">
                  Run
                </button>
                {running && (
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => {
                      stop();
                      setRun({ phase: 'stopped' });
                    }}
                  >
                    Stop
                  </button>
                )}
                <RunStatus run={run} count={runCount} seedValid={seed !== null} />
              </section>

              {run.phase === 'running' && (
                <progress className="progress" max={1} value={run.fraction} aria-label="Simulated time covered" />
              )}
              {run.phase === 'invalid' && <ErrorList errors={run.errors} />}
              {run.phase === 'done' && <Results result={run.result} scenario={run.scenario} replay={run.replay} />}
            </>
          )}
        </main>
      </div>
    </div>
  );
}

/** The run's state in words; `data-phase` and `data-run` (runs started so far) are for tests. */
function RunStatus({ run, count, seedValid }: { run: RunState; count: number; seedValid: boolean }) {
  let text: string;
  switch (run.phase) {
    case 'idle':
      text = seedValid ? 'Ready' : 'The seed must be a whole number ≥ 0';
      break;
    case 'running':
      text = `Running… ${formatPercent(run.fraction)} · ${formatSimTime(run.simTimeUs)} · ${formatNumber(run.events)} events`;
      break;
    case 'done':
      text = run.result.outcome.status === 'completed' ? 'Done' : `Done: stopped by limit ${run.result.outcome.reason}`;
      break;
    case 'stopped':
      text = 'Stopped';
      break;
    case 'invalid':
      text = 'The scenario is not valid';
      break;
    case 'failed':
      text = `The run failed: ${run.message}`;
      break;
  }
  return (
    <span className={`status status-${run.phase}`} role="status" data-testid="run-status" data-phase={run.phase} data-run={count}>
      {text}
    </span>
  );
}

/** A file from disk as a scenario source; a file that cannot be read becomes one with an error. */
async function readFile(file: File): Promise<ScenarioSource> {
  const failed = (message: string): ScenarioSource => ({
    id: file.name,
    folder: null,
    text: '',
    loaded: { ok: false, errors: [{ path: '(root)', message }] },
  });
  if (file.size > MAX_SCENARIO_BYTES) {
    return failed(`the file is ${formatNumber(file.size)} bytes, more than the limit of ${formatNumber(MAX_SCENARIO_BYTES)}`);
  }
  try {
    const text = await file.text();
    return { id: file.name, folder: null, text, loaded: loadScenarioText(text) };
  } catch (e) {
    return failed(`could not read the file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function seedOf(source: ScenarioSource | undefined | null): string {
  return source?.loaded.ok ? String(source.loaded.scenario.seed) : '1';
}

/** Same rule as the command line's --seed. */
function parseSeed(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function replayCommand(source: ScenarioSource, seed: number): string {
  const file = source.folder ? `scenarios/${source.id}.json` : source.id;
  const quoted = /^[\w./:=@+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return `npm run sim -- run ${quoted} --seed ${seed}`;
}
