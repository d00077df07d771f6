import { lazy, Suspense, useCallback, useEffect, useMemo, useState, useSyncExternalStore, type ChangeEvent } from 'react';
import { MAX_SCENARIO_BYTES } from '../sim/scenario/load.ts';
import { ErrorList } from './ErrorList.tsx';
import { formatNumber, formatPercent, formatSimTime } from './format.ts';
import { BUILT_IN, type ScenarioSource } from './gallery.ts';
import { Gallery } from './Gallery.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { computeLayout } from './layout.ts';
import { loadScenarioText } from './load.ts';
import { baseSource, setArguments, type EditedSource } from './params/parameters.ts';
import { ParamsPanel } from './params/ParamsPanel.tsx';
import { Results } from './Results.tsx';
import { Sandbox } from './Sandbox.tsx';
import { Session } from './session.ts';
import { readFragment, type SharedLink } from './share.ts';
import { ShareLink } from './ShareLink.tsx';

window.__faultline = { lastResult: null };

const noSubscribe = () => () => {};
const zero = () => 0;
/** Compare mode loads on first use (its own chunk), so it is not in the first page load. */
const CompareView = lazy(() => import('./compare/CompareView.tsx'));

export function App() {
  const [opened, setOpened] = useState<ScenarioSource | null>(null);
  const [selected, setSelected] = useState<ScenarioSource | null>(BUILT_IN[0] ?? null);
  const [seedText, setSeedText] = useState(() => seedOf(BUILT_IN[0]));
  const [session, setSession] = useState<Session | null>(null);
  const [runCount, setRunCount] = useState(0);
  /** Compare mode: two runs side by side (ui/compare) instead of the single sandbox. */
  const [comparing, setComparing] = useState(false);
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getVersion ?? zero);

  useEffect(() => () => session?.dispose(), [session]);

  const select = useCallback((source: ScenarioSource) => {
    setSession(null);
    setSelected(source);
    setSeedText(seedOf(source));
  }, []);

  /** A choice in the gallery: the address no longer names what is shown, so it loses its link. */
  const selectByHand = useCallback(
    (source: ScenarioSource) => {
      if (location.hash) history.replaceState(null, '', location.pathname + location.search);
      select(source);
    },
    [select],
  );

  // A shared link (#scenario=… or #s=…) opens its scenario; so does pasting another one later.
  useEffect(() => {
    let current = true;
    const openLink = async () => {
      const link = await readFragment(location.hash);
      if (!current || link.kind === 'none') return;
      const opened = sourceFromLink(link);
      if (opened.folder === null) setOpened(opened);
      select(opened);
      if (link.kind !== 'error' && link.seed !== null) setSeedText(String(link.seed));
    };
    void openLink();
    window.addEventListener('hashchange', openLink);
    return () => {
      current = false;
      window.removeEventListener('hashchange', openLink);
    };
  }, [select]);

  const openFile = useCallback(
    async (event: ChangeEvent<HTMLInputElement>) => {
      const input = event.currentTarget;
      const file = input.files?.[0];
      input.value = ''; // choosing the same file again reloads it
      if (!file) return;
      const source = await readFile(file);
      setOpened(source);
      selectByHand(source);
    },
    [selectByHand],
  );

  const seed = parseSeed(seedText);
  const scenario = selected?.loaded.ok ? selected.loaded.scenario : null;
  const layout = useMemo(() => (scenario ? computeLayout(scenario) : null), [scenario]);

  const start = useCallback(() => {
    if (!selected || !scenario || seed === null) return;
    const next = new Session(selected.text, scenario, seed);
    setSession(next);
    setRunCount((n) => n + 1);
    setComparing(false); // Run means the single sandbox: show it
    next.start();
  }, [selected, scenario, seed]);

  /** "Apply & rerun" in the parameters panel: the changed scenario becomes the selection and runs with the same seed. */
  const rerunWith = useCallback(
    (edited: EditedSource) => {
      if (!edited.loaded.ok || seed === null) return;
      setSelected(edited);
      // In compare mode the changed scenario is what the next comparison runs.
      if (comparing) return;
      const next = new Session(edited.text, edited.loaded.scenario, seed);
      setSession(next);
      setRunCount((n) => n + 1);
      next.start();
    },
    [seed, comparing],
  );

  const running = session?.phase === 'running';
  const replay = selected && session && session.interventions.length === 0 ? replayCommand(baseSource(selected), session.seed) + setArguments(selected) : null;

  return (
    <div className="app">
      <header className="app-header">
        <h1>Faultline</h1>
        <p className="tagline">A deterministic simulator of distributed systems — sandbox</p>
        <HelpOverlay />
      </header>
      <div className="layout">
        <aside className="sidebar">
          <label className="open-file">
            <span className="button secondary">Open file…</span>
            <input type="file" accept=".json,application/json" onChange={(e) => void openFile(e)} data-testid="open-file" />
          </label>
          <Gallery builtIn={BUILT_IN} opened={opened} selectedId={selected?.id ?? null} onSelect={selectByHand} />
        </aside>

        <main className="content">
          {!selected && <p className="muted">No scenario selected.</p>}

          {selected && !selected.loaded.ok && (
            <section className="scenario invalid" data-testid="scenario-invalid">
              <h2>{selected.id}</h2>
              <p className="error-lead">{selected.id === SHARED_LINK_ID ? 'This shared link does not hold a valid scenario:' : 'This file is not a valid scenario:'}</p>
              <ErrorList errors={selected.loaded.errors} testId="scenario-errors" />
            </section>
          )}

          {selected && scenario && layout && (
            <>
              <section className="scenario" data-testid="scenario">
                <p className="scenario-source">
                  {baseSource(selected).folder ? `scenarios/${selected.id}.json` : `opened file ${selected.id}`}
                  {setArguments(selected) && ' (parameters changed)'}
                </p>
                <h2 data-testid="scenario-title">{scenario.title}</h2>
                {/* Folds away, so the topology and the charts fit one screen. */}
                <details className="scenario-about" open data-testid="scenario-about">
                  <summary>About this scenario</summary>
                  <p className="description">{scenario.description}</p>
                  {scenario.watch && (
                    <div className="callout watch">
                      <h3>What to watch</h3>
                      <p>{scenario.watch}</p>
                    </div>
                  )}
                  {scenario.notes && (
                    <details className="callout notes">
                      <summary>Notes</summary>
                      <p>{scenario.notes}</p>
                    </details>
                  )}
                </details>
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
                  <button type="button" className="button secondary" onClick={() => session?.stop()}>
                    Stop
                  </button>
                )}
                <button type="button" className={`button${comparing ? '' : ' secondary'}`} onClick={() => setComparing((c) => !c)} aria-pressed={comparing} data-testid="compare-mode">
                  Compare mode
                </button>
                {!comparing && <RunStatus session={session} count={runCount} seedValid={seed !== null} />}
                <ShareLink source={selected} seed={seed} session={session} />
              </section>

              <ParamsPanel source={selected} scenario={scenario} onRerun={rerunWith} disabled={seed === null} />

              {session?.phase === 'invalid' && <ErrorList errors={session.errors} />}

              {comparing && (
                <Suspense fallback={<p className="muted">Loading compare mode…</p>}>
                  <CompareView key={selected.id} text={selected.text} scenario={scenario} seed={seed} />
                </Suspense>
              )}

              {!comparing && <Sandbox key={selected.id} scenario={scenario} sourceId={selected.id} layout={layout} session={session} onStart={start} />}

              {!comparing && session?.phase === 'done' && session.result && <Results result={session.result} scenario={scenario} replay={replay} />}
            </>
          )}
        </main>
      </div>
    </div>
  );
}

/** The run's state in words; `data-phase` and `data-run` (runs started so far) are for tests. */
function RunStatus({ session, count, seedValid }: { session: Session | null; count: number; seedValid: boolean }) {
  const phase = session?.phase ?? 'idle';
  let text: string;
  switch (phase) {
    case 'idle':
      text = seedValid ? 'Ready' : 'The seed must be a whole number ≥ 0';
      break;
    case 'running': {
      const fraction = session!.endUs > 0 ? session!.simTimeUs / session!.endUs : 0;
      const branch = session!.interventions.length > 0 ? ' (what-if branch)' : '';
      text = `Running${branch}… ${formatPercent(fraction)} · ${formatSimTime(session!.simTimeUs)} · ${formatNumber(session!.events)} events`;
      break;
    }
    case 'done': {
      const result = session!.result!;
      text = result.outcome.status === 'completed' ? 'Done' : `Done: stopped by limit ${result.outcome.reason}`;
      break;
    }
    case 'stopped':
      text = 'Stopped';
      break;
    case 'invalid':
      text = 'The scenario is not valid';
      break;
    case 'failed':
      text = `The run failed: ${session!.message}`;
      break;
  }
  return (
    <span className={`status status-${phase}`} role="status" data-testid="run-status" data-phase={phase} data-run={count} data-generation={session?.generation ?? 0}>
      {text}
    </span>
  );
}

/** The name a scenario opened from a link goes by (in the gallery and the exported file's name). */
const SHARED_LINK_ID = 'shared-link.json';

/** What a link opens: a built-in scenario, or text validated exactly like a file; a bad link explains itself. */
function sourceFromLink(link: Exclude<SharedLink, { kind: 'none' }>): ScenarioSource {
  const failed = (message: string): ScenarioSource => ({ id: SHARED_LINK_ID, folder: null, text: '', loaded: { ok: false, errors: [{ path: '(link)', message }] } });
  switch (link.kind) {
    case 'built-in':
      return BUILT_IN.find((s) => s.id === link.id) ?? failed(`there is no built-in scenario ${JSON.stringify(link.id.slice(0, 200))}`);
    case 'text':
      return { id: SHARED_LINK_ID, folder: null, text: link.text, loaded: loadScenarioText(link.text) };
    case 'error':
      return failed(link.message);
  }
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
