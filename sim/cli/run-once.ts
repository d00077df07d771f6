import { writeFileSync } from 'node:fs';
import type { TraceListener } from '../engine/trace.ts';
import { ReportCollector } from '../report/collect.ts';
import { renderReport } from '../report/report.ts';
import { spaceTimeDiagram } from '../report/spacetime.ts';
import { ScenarioRun, scenarioHash, type RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/schema.ts';
import { cutShortNote, loadScenario, outputPath, replayCommand } from './common.ts';
import { BadInput } from './scenario-file.ts';
import { TraceFileWriter } from './trace-file.ts';

/**
 * One run of a scenario with whatever it should leave behind: a JSONL trace, an HTML report,
 * a space-time diagram. Shared by `run`, `report`, `trace` and `diagram`.
 */
export interface RunOnceFlags {
  seed?: number;
  set: string[];
  variant?: string;
  /** Write the JSONL trace here. */
  trace?: string;
  /** Write the HTML report here. */
  report?: string;
  /** Write the space-time diagram (SVG) here. */
  diagram?: string;
  /** Messages in the space-time diagram. */
  first?: number;
  /** Report each member of a node group on its own (see `RunOptions.perNodeMetrics`). */
  perNode?: boolean;
}

export interface RunOnce {
  scenario: Scenario;
  result: RunResult;
  replay: string;
}

export const DEFAULT_FIRST = 50;

export function runOnce(file: string, flags: RunOnceFlags): RunOnce {
  const scenario = loadScenario(file, flags);
  const seed = flags.seed ?? scenario.seed;
  const nodes = [...scenario.nodes.map((n) => n.id), ...scenario.workloads.map((w) => w.id)];
  for (const path of [flags.trace, flags.report, flags.diagram]) if (path !== undefined) outputPath(path);
  const listeners: TraceListener[] = [];
  let writer: TraceFileWriter | undefined;
  if (flags.trace !== undefined) {
    try {
      writer = new TraceFileWriter(flags.trace, { k: 'header', format: 'faultline-trace', version: 1, nodes, seed, scenarioHash: scenarioHash(scenario) });
    } catch (e) {
      throw new BadInput(`cannot write ${flags.trace}: ${(e as Error).message}`);
    }
  }
  if (writer) listeners.push(writer.write);
  const first = flags.first ?? DEFAULT_FIRST;
  const collector = flags.report !== undefined || flags.diagram !== undefined ? new ReportCollector({ firstMessages: first }) : undefined;
  if (collector) listeners.push(collector.listener);
  const result = new ScenarioRun(scenario, { seed, listeners, perNodeMetrics: flags.perNode }).finish();
  writer?.close();
  const replay = replayCommand(file, seed, flags);
  if (collector && flags.report !== undefined) {
    const html = renderReport({ scenario, result, records: collector.records, replay, file, variant: flags.variant, sets: flags.set, firstMessages: first });
    write(flags.report, html);
  }
  if (collector && flags.diagram !== undefined) {
    const order = [...scenario.workloads.map((w) => w.id), ...scenario.nodes.map((n) => n.id)];
    write(flags.diagram, spaceTimeDiagram(collector.records, { first, order }) + '\n');
  }
  return { scenario, result, replay };
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new BadInput(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** "6 passed, 0 failed", the replay command when something failed, and whether a limit cut the run short. */
export function checksLine(result: RunResult, replay: string, scenario: Pick<Scenario, 'limits'>): string {
  const failed = result.checks.filter((c) => !c.ok);
  const lines = [`checks: ${result.checks.length - failed.length} passed, ${failed.length} failed`];
  for (const c of failed) lines.push(`  FAIL  ${c.name} — ${c.detail}`);
  if (failed.length > 0) lines.push(`Replay: ${replay}`);
  const cutShort = cutShortNote(scenario, result.outcome);
  if (cutShort !== null) lines.push(cutShort);
  return lines.join('\n');
}
