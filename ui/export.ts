/**
 * "Export scenario": the scenario file as it was opened, with the run's seed and the
 * interventions made in the sandbox appended to its fault timeline — each the fault log's own
 * `fault` object, whose `atMs` is the instant it landed — so the command line replays the run
 * to the same trace hash.
 */
import type { FaultLogEntry } from '../sim/faults/faults.ts';

export function exportScenarioText(text: string, seed: number, faultLog: readonly FaultLogEntry[]): string {
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the scenario is not a JSON object');
  const json = parsed as Record<string, unknown>;
  const injected = faultLog.filter((e) => e.source === 'injected').map((e) => e.fault);
  json.seed = seed;
  json.faults = [...(Array.isArray(json.faults) ? json.faults : []), ...injected];
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** `crash-restart.json` → `crash-restart-whatif.json`. */
export function exportFileName(id: string): string {
  const base = id.split('/').pop()!.replace(/\.json$/i, '');
  return `${base || 'scenario'}-whatif.json`;
}

/** Saves text as a file through the browser's download. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
