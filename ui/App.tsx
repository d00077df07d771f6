import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ChangeEvent } from 'react';
import { MAX_SCENARIO_BYTES } from '../sim/scenario/load.ts';
import { ErrorList } from './ErrorList.tsx';
import { formatNumber } from './format.ts';
import { BUILT_IN, loadBuiltIn, type ScenarioSource } from './gallery.ts';
import { Gallery } from './Gallery.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { computeLayout } from './layout.ts';
import { loadScenarioText } from './load.ts';
import { baseSource, setArguments, variantOf } from './params/parameters.ts';
import { ParamsPanel } from './params/ParamsPanel.tsx';
import { createPlayer } from './playback.ts';
import { VariantPicker } from './params/VariantPicker.tsx';
import { Results } from './Results.tsx';
import { RunStatus } from './RunStatus.tsx';
import { Sandbox } from './Sandbox.tsx';
import { Session } from './session.ts';
import { openLink as openedFromLink, SHARED_LINK_ID } from './open-link.ts';
import { readFragment } from './share.ts';
import { ShareLink } from './ShareLink.tsx';
import { firstVisit, START_HERE } from './teach/first-visit.ts';

window.__faultline = { lastResult: null };

const noSubscribe = () => () => {};
const zero = () => 0;
/** Compare mode loads on first use (its own chunk), so it is not in the first page load. */
const CompareView = lazy(() => import('./compare/CompareView.tsx'));
/** Learn mode (lessons, challenges, presenter mode) loads on first use too. */
const LearnMode = lazy(() => import('./teach/LearnMode.tsx'));
const LessonBuilder = lazy(() => import('./teach/LessonBuilder.tsx'));
/** Edit mode (the design editor, ui/editor) loads on first use too. */
const EditorMode = lazy(() => import('./editor/EditorMode.tsx'));
/** A fragment Learn mode reads (ui/teach/lesson-link.ts). */
const isLearnHash = (hash: string) => /^#(learn$|lesson=|lesson-data=)/.test(hash);

export function App() {
  const [opened, setOpened] = useState<ScenarioSource | null>(null);
  const [selected, setSelected] = useState<ScenarioSource | null>(null);
  const [seedText, setSeedText] = useState('');
  const [session, setSession] = useState<Session | null>(null);
  const [runCount, setRunCount] = useState(0);
  /** Compare mode: two runs side by side (ui/compare) instead of the single sandbox. */
  const [comparing, setComparing] = useState(false);
  /** Edit mode: the file it started from (null: blank) and the name it exports and runs under. */
  const [editing, setEditing] = useState<{ text: string | null; name: string } | null>(null);
  /** The lesson builder's panel (ui/teach/LessonBuilder.tsx). */
  const [building, setBuilding] = useState(false);
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getStateVersion ?? zero);
  /** Learn mode: a lesson link, or the first visit (it opens the "start here" lesson). */
  const [learning, setLearning] = useState(() => {
    if (location.hash === '' && firstVisit()) history.replaceState(null, '', `#lesson=${START_HERE}`);
    return isLearnHash(location.hash);
  });

  useEffect(() => () => session?.dispose(), [session]);

  const select = useCallback((source: ScenarioSource) => {
    setSession(null);
    setSelected(source);
    setSeedText(seedOf(source));
  }, []);

  // The first built-in is shown until something else is chosen (its file is fetched first;
  // a shared link that resolved meanwhile wins).
  useEffect(() => {
    let current = true;
    void loadBuiltIn(BUILT_IN[0].id)?.then((first) => {
      if (!current) return;
      setSelected((s) => s ?? first);
      setSeedText((t) => (t === '' ? seedOf(first) : t));
    });
    return () => {
      current = false;
    };
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
      if (isLearnHash(location.hash)) return setLearning(true);
      const link = await readFragment(location.hash);
      if (!current || link.kind === 'none') return;
      const opened = await openedFromLink(link);
      if (!current) return;
      if (baseSource(opened.source).folder === null) setOpened(baseSource(opened.source));
      select(opened.source);
      if (opened.seed !== null) setSeedText(String(opened.seed));
      // A what-if link runs at once, its interventions listed as interventions, the cursor where it was.
      if (opened.run && opened.source.loaded.ok) {
        const next = new Session(opened.source.text, opened.source.loaded.scenario, opened.seed ?? opened.source.loaded.scenario.seed, opened.run);
        setSession(next);
        setRunCount((n) => n + 1);
        next.start();
      }
    };
    void openLink();
    window.addEventListener('hashchange', openLink);
    return () => {
      current = false;
      window.removeEventListener('hashchange', openLink);
    };
  }, [select]);

  /** A built-in chosen in the gallery: fetched, then selected (unless another choice came first). */
  const chosenBuiltIn = useRef<string | null>(null);
  const selectBuiltIn = useCallback(
    (id: string) => {
      chosenBuiltIn.current = id;
      void loadBuiltIn(id)?.then((source) => {
        if (chosenBuiltIn.current === id) selectByHand(source);
      });
    },
    [selectByHand],
  );

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
  const endUs = scenario ? Math.round(scenario.durationMs * 1000) : 0;
  /** The sandbox's playback clock, one per scenario; the status line reports it too. */
  const player = useMemo(() => (selected?.id === undefined ? null : createPlayer(endUs)), [selected?.id, endUs]);
  /** A share link carries the cursor's time. */
  const cursorUs = useCallback(() => player?.cursorUs ?? 0, [player]);

  const start = useCallback(() => {
    if (!selected || !scenario || seed === null) return;
    const next = new Session(selected.text, scenario, seed);
    setSession(next);
    setRunCount((n) => n + 1);
    setComparing(false); // Run means the single sandbox: show it
    next.start();
  }, [selected, scenario, seed]);

  /** "Apply & rerun" in the parameters panel, or a variant picked: the changed scenario becomes the selection and runs with the same seed. */
  const rerunWith = useCallback(
    (edited: ScenarioSource) => {
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

  /** "Run in the sandbox" from the editor: the design becomes an opened file, selected and run with its own seed. */
  const runDesign = useCallback(
    (text: string, name: string) => {
      const source: ScenarioSource = { id: name, folder: null, text, loaded: loadScenarioText(text) };
      setEditing(null);
      setOpened(source);
      selectByHand(source);
      if (!source.loaded.ok) return;
      const next = new Session(text, source.loaded.scenario, source.loaded.scenario.seed);
      setSession(next);
      setRunCount((n) => n + 1);
      setComparing(false);
      next.start();
    },
    [selectByHand],
  );

  const leaveLearn = useCallback(() => {
    history.replaceState(null, '', location.pathname + location.search);
    setLearning(false);
  }, []);

  const running = session?.phase === 'running';
  const replay = selected && session && session.interventions.length === 0 ? replayCommand(baseSource(selected), session.seed) + setArguments(selected) : null;

  return (
    <div className="app">
      <header className="app-header">
        <h1>Faultline</h1>
        <p className="tagline">A deterministic simulator of distributed systems — sandbox</p>
        <button type="button" className={`button${learning ? '' : ' secondary'} learn-button`} onClick={() => (learning ? leaveLearn() : (location.hash = 'learn'))} aria-pressed={learning} data-testid="learn-mode">
          Learn
        </button>
        <HelpOverlay />
      </header>
      {learning && (
        <Suspense fallback={<p className="muted">Loading Learn mode…</p>}>
          <LearnMode onExit={leaveLearn} />
        </Suspense>
      )}
      {!learning && (
      <div className={`layout${editing ? ' editing' : ''}`}>
        <aside className="sidebar">
          <label className="open-file">
            <span className="button secondary">Open file…</span>
            <input type="file" accept=".json,application/json" onChange={(e) => void openFile(e)} data-testid="open-file" />
          </label>
          <button type="button" className="button secondary new-design" onClick={() => setEditing({ text: null, name: 'my-design.json' })} data-testid="new-design">
            New design…
          </button>
          <Gallery builtIn={BUILT_IN} opened={opened} selectedId={selected?.id ?? null} onSelect={selectByHand} onSelectBuiltIn={selectBuiltIn} />
        </aside>

        <main className="content">
          {editing && (
            <Suspense fallback={<p className="muted">Loading the editor…</p>}>
              <EditorMode key={`${editing.name}:${editing.text?.length ?? 0}`} initialText={editing.text} name={editing.name} onRun={runDesign} onClose={() => setEditing(null)} />
            </Suspense>
          )}
          {!editing && !selected && <p className="muted">No scenario selected.</p>}

          {!editing && selected && !selected.loaded.ok && (
            <section className="scenario invalid" data-testid="scenario-invalid">
              <h2>{selected.id}</h2>
              <p className="error-lead">{selected.id === SHARED_LINK_ID ? 'This shared link does not hold a valid scenario:' : 'This file is not a valid scenario:'}</p>
              <ErrorList errors={selected.loaded.errors} testId="scenario-errors" />
            </section>
          )}

          {!editing && selected && scenario && layout && player && (
            <>
              <section className="scenario" data-testid="scenario">
                <p className="scenario-source">
                  {baseSource(selected).folder ? `scenarios/${selected.id}.json` : `opened file ${selected.id}`}
                  {variantOf(selected) !== null && ` (variant ${variantOf(selected)})`}
                  {setArguments(selected).includes(' --set ') && ' (parameters changed)'}
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
                {!comparing && <VariantPicker source={selected} onRun={rerunWith} disabled={seed === null} />}
                {running && (
                  <button type="button" className="button secondary" onClick={() => session?.stop()}>
                    Stop
                  </button>
                )}
                <button type="button" className={`button${comparing ? '' : ' secondary'}`} onClick={() => setComparing((c) => !c)} aria-pressed={comparing} data-testid="compare-mode">
                  Compare mode
                </button>
                {!comparing && <RunStatus session={session} player={player} count={runCount} seedValid={seed !== null} />}
                <ShareLink source={selected} seed={seed} session={session} cursorUs={cursorUs} />
                <button type="button" className="button secondary" onClick={() => setEditing({ text: selected.text, name: designName(selected) })} data-testid="edit-design" title="Open this scenario in the design editor (a fork: the file here is unchanged)">
                  Edit design
                </button>
                <button type="button" className="button secondary" onClick={() => setBuilding((b) => !b)} aria-pressed={building} data-testid="lesson-builder-toggle">
                  Lesson builder
                </button>
              </section>

              {building && seed !== null && (
                <Suspense fallback={<p className="muted">Loading the lesson builder…</p>}>
                  <LessonBuilder source={selected} session={session} seed={seed} cursorUs={cursorUs} />
                </Suspense>
              )}

              <ParamsPanel source={selected} scenario={scenario} onRerun={rerunWith} disabled={seed === null} />

              {session?.phase === 'invalid' && <ErrorList errors={session.errors} />}

              {comparing && (
                <Suspense fallback={<p className="muted">Loading compare mode…</p>}>
                  <CompareView key={selected.id} text={selected.text} scenario={scenario} seed={seed} />
                </Suspense>
              )}

              {!comparing && <Sandbox key={selected.id} scenario={scenario} sourceId={selected.id} layout={layout} session={session} player={player} onStart={start} />}

              {!comparing && session?.phase === 'done' && session.result && <Results result={session.result} scenario={scenario} replay={replay} />}
            </>
          )}
        </main>
      </div>
      )}
    </div>
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

/** The file name a fork is exported and run under: the built-in's name, or the opened file's. */
function designName(source: ScenarioSource): string {
  const base = source.id.split('/').pop()?.replace(/\.json$/i, '') || 'design';
  return source.folder === null ? `${base}.json` : `${base}-design.json`;
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
