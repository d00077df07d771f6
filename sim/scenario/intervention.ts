/**
 * An intervention — a fault made at the cursor, in the sandbox or a test — validated and
 * normalised exactly like a timeline fault (defaults filled in), to land 1 µs after the instant
 * it is made, so the exported fault log replays to the same run. Apart from run.ts so that the
 * engine (and the sandbox's worker, which receives interventions normalised by the page) does
 * not load the scenario schema.
 */
import type { FaultAction, FaultSpec } from '../faults/faults.ts';
import { FaultSchema } from './schema.ts';

/** `action` as the fault that lands at `atUs` + 1 µs; throws, naming the field, if it is invalid. */
export function interventionFault(action: FaultAction, atUs: number): FaultSpec {
  const parsed = FaultSchema.safeParse({ ...action, atMs: (atUs + 1) / 1000 });
  if (!parsed.success) throw new Error(`invalid intervention: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
