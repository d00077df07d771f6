/** Messages between the page and the simulation worker. Everything here is structured-cloneable. */
import type { ScenarioError } from '../sim/scenario/load.ts';
import type { RunResult } from '../sim/scenario/run.ts';

export interface RunRequest {
  type: 'run';
  /** The scenario file's text: the worker loads it with the same code the page uses. */
  text: string;
  seed: number;
}

export type WorkerMessage =
  | { type: 'progress'; fraction: number; simTimeUs: number; events: number }
  | { type: 'result'; result: RunResult }
  | { type: 'invalid'; errors: ScenarioError[] }
  | { type: 'failed'; message: string };
