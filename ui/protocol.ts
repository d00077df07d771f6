/** Messages between the page and the simulation worker. Everything here is structured-cloneable. */
import type { FaultAction, FaultSpec } from '../sim/faults/faults.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import type { ScenarioError } from '../sim/scenario/load.ts';
import type { RunResult } from '../sim/scenario/run.ts';
import type { KindInfo, TraceBatch } from './trace/codec.ts';

/** A click in the sandbox: inject `action` once the run has reached `atUs` (it lands at atUs + 1 µs). */
export interface Intervention {
  atUs: number;
  action: FaultAction;
}

/** An intervention as the worker gets it: normalised by the page (sim/scenario/intervention.ts). */
export interface InjectedFault {
  atUs: number;
  fault: FaultSpec;
}

export interface RunRequest {
  type: 'run';
  /**
   * The scenario, validated by the page from its text with the same code the command line
   * uses: the worker runs it as it is, so it never loads the schema (nor zod).
   */
  scenario: Scenario;
  seed: number;
  /** Applied in order; each once the run reaches its time. */
  interventions: InjectedFault[];
  /** Records at or before this time are not streamed (the page kept them from the run this one branches from); -1: stream all. */
  streamAfterUs: number;
  /** The page's string and kind tables, which the streamed batches continue. */
  strings: string[];
  kinds: KindInfo[];
  /** Stream at most about this many records: message flights are sampled past half of it (trace/sampling.ts); if even so it is spent, the run goes on unrecorded to its result. */
  recordBudget: number;
  /**
   * Records the worker may stream beyond those the page has said it ingested (an `ingested`
   * message) before it waits for the page; Infinity: it never waits. See session.ts AHEAD_RECORDS.
   */
  aheadRecords: number;
}

/** The page tells the worker it has appended this many more of the run's records to its store. */
export interface IngestedNote {
  type: 'ingested';
  records: number;
}

export type PageMessage = RunRequest | IngestedNote;

export type WorkerMessage =
  | { type: 'start'; nodeNames: string[]; endUs: number }
  /** Records; the record is complete up to `untilUs`. */
  | { type: 'batch'; batch: TraceBatch; untilUs: number; simTimeUs: number; events: number }
  | { type: 'progress'; simTimeUs: number; events: number }
  /** From `fromUs` on, about one message flight in `every` is streamed (see trace/sampling.ts). */
  | { type: 'sampled'; fromUs: number; every: number }
  /** Metric windows that closed (values[metric][k] is window from + k), for the scenario's declared charts; sent even past the record budget. */
  | { type: 'windows'; from: number; values: number[][] }
  /** The record budget is spent: records after `atUs` are not streamed. */
  | { type: 'truncated'; atUs: number }
  | { type: 'result'; result: RunResult }
  | { type: 'invalid'; errors: ScenarioError[] }
  | { type: 'failed'; message: string };
