/**
 * Edit mode (loaded on demand): draw a design and get a scenario file that runs exactly. A
 * palette of node kinds (ui/editor/palette.ts), the canvas (boxes, calls, drag to move or
 * wire), the selected element's form, a fault lane, design hints pointing at elements, network
 * defaults, and the file's JSON beside it, editable either way. Every edit goes through the
 * same validator as a file (model.ts): what is shown is always a valid scenario, a refused
 * edit shows its errors (on the field when it has one) and changes nothing. Undo/redo (Ctrl+Z,
 * Ctrl+Shift+Z or Ctrl+Y), Export, Run (hands the file to the sandbox).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { designHints, type DesignHint } from '../../sim/design/hints.ts';
import { formatPath, type ScenarioError } from '../../sim/scenario/load.ts';
import { ErrorList } from '../ErrorList.tsx';
import { download } from '../export.ts';
import { ShareLink } from '../ShareLink.tsx';
import { applyParameters, changeOf, changePath, findParameters, type Parameter } from '../params/parameters.ts';
import { canvasModel } from './canvas-model.ts';
import { EditorCanvas, type CanvasSelection } from './EditorCanvas.tsx';
import { ElementPanel } from './ElementPanel.tsx';
import { FaultLane } from './FaultLane.tsx';
import {
  addFault,
  addPolicy,
  applyEdit,
  BLANK_DESIGN,
  connect,
  move,
  moveFault,
  movePolicy,
  place,
  redo,
  remove,
  removeCall,
  removeFault,
  removePolicy,
  replaceText,
  setFields,
  setLinkLatency,
  startHistory,
  textOf,
  undo,
  type Edit,
  type EditResult,
  type History,
} from './model.ts';
import { coreCaller, PALETTE, paletteEntry, type PaletteEntry } from './palette.ts';
import { TEMPLATES } from './templates.ts';
import './editor.css';

interface Props {
  /** The file to start from (a fork of the sandbox's scenario), or null for a blank design. */
  initialText: string | null;
  /** The file's name when exported or run. */
  name: string;
  onRun: (text: string, name: string) => void;
  onClose: () => void;
}

function initialHistory(text: string | null): History {
  const started = startHistory(text ?? textOf(BLANK_DESIGN));
  if (started.ok) return started.history;
  const blank = startHistory(textOf(BLANK_DESIGN));
  if (!blank.ok) throw new Error('the blank design does not validate');
  return blank.history;
}

export default function EditorMode({ initialText, name, onRun, onClose }: Props) {
  const [history, setHistory] = useState(() => initialHistory(initialText));
  const [selection, setSelection] = useState<CanvasSelection>(null);
  const [fault, setFault] = useState<number | null>(null);
  const [errors, setErrors] = useState<ScenarioError[]>([]);
  const [showJson, setShowJson] = useState(false);
  const [jsonText, setJsonText] = useState<string | null>(null);
  const design = history.present;
  const scenario = design.scenario;

  const model = useMemo(() => canvasModel(scenario), [scenario]);
  const groups = useMemo(() => findParameters(scenario), [scenario]);
  const hints = useMemo(() => designHints(scenario), [scenario]);
  const flagged = useMemo(() => new Set(hints.map((h) => h.node)), [hints]);
  const fieldErrors = useMemo(() => new Map(errors.map((e) => [e.path, e.message])), [errors]);

  const settle = useCallback((result: EditResult) => {
    if (!result.ok) return setErrors(result.errors);
    setErrors([]);
    setHistory(result.history);
    setJsonText(null);
  }, []);
  const run = useCallback((edit: Edit) => settle(applyEdit(history, edit)), [history, settle]);

  const step = useCallback((to: (h: History) => History) => {
    setHistory((h) => to(h));
    setErrors([]);
    setJsonText(null);
  }, []);
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || (e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName))) return;
      if (e.key.toLowerCase() === 'z') {
        e.preventDefault();
        step(e.shiftKey ? redo : undo);
      } else if (e.key.toLowerCase() === 'y') {
        e.preventDefault();
        step(redo);
      }
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [step]);

  const selectedNode = selection?.kind === 'element' ? selection.id : undefined;
  /** A click in the palette places the entry to the right of everything (a drop places it where it falls). */
  const placeEntry = (entry: PaletteEntry, at?: { x: number; y: number }) => run(place(entry, at ?? freeSpot(entry, model.boxes), selectedNode));
  const setParameter = (p: Parameter, input: string | boolean) => {
    const applied = applyParameters({ id: name, folder: null, text: design.text, loaded: { ok: true, scenario } }, { [changePath(p)]: changeOf(p, input) });
    settle(applied.ok ? replaceText(history, applied.source.text) : applied);
  };
  const applyJson = () => {
    if (jsonText !== null) settle(replaceText(history, jsonText));
  };
  const latency = scenario.network.latency;

  return (
    <section className="editor" data-testid="editor" aria-label="Design editor">
      <div className="editor-toolbar">
        <h2>Design: {scenario.title}</h2>
        <button type="button" className="button secondary" onClick={() => step(undo)} disabled={history.past.length === 0} data-testid="editor-undo" title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" className="button secondary" onClick={() => step(redo)} disabled={history.future.length === 0} data-testid="editor-redo" title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <select
          aria-label="Start from a template"
          value=""
          onChange={(e) => {
            const t = TEMPLATES.find((x) => x.id === e.currentTarget.value);
            if (t) settle(replaceText(history, textOf(t.design)));
          }}
          data-testid="editor-template"
        >
          <option value="">Start from…</option>
          <option value="blank">A blank design</option>
          {TEMPLATES.filter((t) => t.id !== 'blank').map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </select>
        <button type="button" className={`button${showJson ? '' : ' secondary'}`} onClick={() => setShowJson((s) => !s)} aria-pressed={showJson} data-testid="editor-json-toggle">
          JSON
        </button>
        <button type="button" className="button secondary" onClick={() => download(name, design.text)} data-testid="editor-export">
          Export
        </button>
        <ShareLink source={{ id: name, folder: null, text: design.text, loaded: { ok: true, scenario } }} seed={scenario.seed} session={null} cursorUs={() => 0} />
        <button type="button" className="button" onClick={() => onRun(design.text, name)} disabled={scenario.workloads.length === 0 && scenario.nodes.length === 0} data-testid="editor-run">
          Run in the sandbox
        </button>
        <button type="button" className="button secondary" onClick={onClose} data-testid="editor-close">
          Close
        </button>
      </div>
      {errors.length > 0 && (
        <div className="editor-errors" role="alert" data-testid="editor-errors">
          <p className="error-lead">Not applied — the design would not be a valid scenario:</p>
          <ErrorList errors={errors} />
        </div>
      )}
      <div className="editor-body">
        <nav className="editor-palette" aria-label="Palette" data-testid="editor-palette">
          {sections().map(([section, entries]) => (
            <div key={section} className="palette-section">
              <h3>{section}</h3>
              {entries.map((e) => (
                <button
                  key={e.kind}
                  type="button"
                  className="palette-entry"
                  draggable
                  onDragStart={(ev) => ev.dataTransfer.setData('application/x-faultline-kind', e.kind)}
                  onClick={() => placeEntry(e)}
                  title={e.blurb}
                  data-testid={`palette-${e.kind}`}
                >
                  {e.title}
                </button>
              ))}
            </div>
          ))}
        </nav>
        <div className="editor-main">
          {/* The file's JSON beside the canvas, editable either way. */}
          <div className={`editor-stage${showJson ? ' with-json' : ''}`}>
            <EditorCanvas
              model={model}
              selection={selection}
              flagged={flagged}
              onSelect={(s) => {
                setSelection(s);
                setFault(null);
              }}
              onMove={(id, x, y) => run(move(id, { x, y }))}
              onConnect={(from, to) => run(connect(from, to))}
              onDropEntry={(kind, x, y) => {
                const entry = paletteEntry(kind);
                if (entry) placeEntry(entry, { x, y });
              }}
            />
            {showJson && (
              <div className="editor-json" data-testid="editor-json">
                <textarea value={jsonText ?? design.text} onChange={(e) => setJsonText(e.currentTarget.value)} spellCheck={false} aria-label="The design as a scenario file (JSON)" data-testid="editor-json-text" />
                <div className="editor-json-buttons">
                  <button type="button" className="button" onClick={applyJson} disabled={jsonText === null} data-testid="editor-json-apply">
                    Apply JSON
                  </button>
                  <button type="button" className="button secondary" onClick={() => setJsonText(null)} disabled={jsonText === null}>
                    Discard changes
                  </button>
                </div>
              </div>
            )}
          </div>
          <FaultLane faults={(scenario.declared ?? scenario).faults} durationMs={scenario.durationMs} selected={fault} onSelect={(i) => { setFault(i); }} onMove={(i, atMs) => run(moveFault(i, atMs))} />
          <div className="editor-network">
            <span>Network latency (every link)</span>
            <input
              type="number"
              min={0}
              step="any"
              aria-label="Network latency (ms)"
              defaultValue={latency.type === 'constant' ? latency.ms : ''}
              key={design.text}
              placeholder={latency.type}
              onBlur={(e) => {
                const ms = e.currentTarget.value;
                if (ms !== '' && !(latency.type === 'constant' && Number(ms) === latency.ms)) run(setFields({ 'network.latency': { type: 'constant', ms: Number(ms) } }));
              }}
              data-testid="network-latency"
            />
            <span className="muted">ms · loss</span>
            <input
              type="number"
              min={0}
              max={1}
              step="any"
              aria-label="Network loss probability"
              defaultValue={scenario.network.lossProbability}
              key={`loss-${design.text}`}
              onBlur={(e) => {
                const p = Number(e.currentTarget.value);
                if (p !== scenario.network.lossProbability) run(setFields({ 'network.lossProbability': p }));
              }}
            />
            <span className="muted">(0–1). One link's own latency: select its call.</span>
          </div>
        </div>
        <aside className="editor-side">
          <ElementPanel
            scenario={scenario}
            selection={selection}
            fault={fault}
            groups={groups}
            fieldErrors={fieldErrors}
            onSet={setParameter}
            onRemove={(id) => {
              run(remove(id));
              setSelection(null);
            }}
            onSelectCall={(owner, call, to) => setSelection({ kind: 'call', owner, call, to })}
            onRemoveCall={(owner, call) => {
              run(removeCall(owner, call));
              setSelection({ kind: 'element', id: owner });
            }}
            onAddPolicy={(owner, call, to, type) => run(addPolicy({ owner, call }, type, to))}
            onMovePolicy={(owner, call, index, by) => run(movePolicy({ owner, call }, index, by))}
            onRemovePolicy={(owner, call, index) => run(removePolicy({ owner, call }, index))}
            onAddFault={(f) => run(addFault(f))}
            onSetLinkLatency={(a, b, ms) => run(setLinkLatency(a, b, ms))}
            onRemoveFault={(i) => {
              run(removeFault(i));
              setFault(null);
            }}
          />
          <div className="editor-hints" data-testid="editor-hints">
            <h3>Design hints ({hints.length})</h3>
            {hints.length === 0 && <p className="muted">None: no missing timeouts or guards, no multiplied retries, no single points of failure, no overload.</p>}
            <ul>
              {hints.map((h, i) => (
                <li key={i}>
                  <button type="button" className="hint-link" onClick={() => setSelection(selectionOfHint(h))}>
                    {h.message}
                  </button>
                  <code className="muted">{formatPath(h.path)}</code>
                </li>
              ))}
            </ul>
          </div>
        </aside>
      </div>
    </section>
  );
}

/** Rows of a column of placed boxes, the middle one first. */
const ROWS = [90, 0, 180];
const COLUMN_DX = 220;

/**
 * Where a clicked palette entry goes (a dropped one goes where it falls): a client left of
 * everything; a node below the others in the rightmost column (three rows), or in a new column
 * right of it — always a new one after the first node, which is usually what the next one is
 * called by.
 */
function freeSpot(entry: PaletteEntry, boxes: readonly { x: number; y: number; list: string }[]): { x: number; y: number } {
  const nodes = boxes.filter((b) => b.list === 'nodes');
  if (coreCaller(entry.kind) === 'workload') return { x: Math.min(COLUMN_DX, ...boxes.map((b) => b.x)) - COLUMN_DX, y: nodes[0]?.y ?? ROWS[0] };
  if (nodes.length === 0) return { x: Math.max(COLUMN_DX, ...boxes.map((b) => b.x + COLUMN_DX)), y: ROWS[0] };
  const right = Math.max(...nodes.map((b) => b.x));
  const taken = new Set(nodes.filter((b) => b.x === right).map((b) => b.y));
  const free = ROWS.find((y) => !taken.has(y));
  if (nodes.length === 1 || free === undefined) return { x: right + COLUMN_DX, y: ROWS[0] };
  return { x: right, y: free };
}

/** A hint about a call selects the call (a service's by its index, a workload's own path); others select the element. */
function selectionOfHint(h: DesignHint): CanvasSelection {
  if (h.to === undefined) return { kind: 'element', id: h.node };
  if (h.path[0] === 'workloads') return { kind: 'call', owner: h.node, call: null, to: h.to };
  const at = h.path.indexOf('calls');
  return at < 0 ? { kind: 'element', id: h.node } : { kind: 'call', owner: h.node, call: Number(h.path[at + 1]), to: h.to };
}

function sections(): [string, PaletteEntry[]][] {
  const out = new Map<string, PaletteEntry[]>();
  for (const e of PALETTE) out.set(e.section, [...(out.get(e.section) ?? []), e]);
  return [...out];
}
