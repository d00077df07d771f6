/**
 * The learner's progress, remembered in the browser (localStorage). What is read back is
 * untrusted — another version of the page, an extension or a hand edit may have written it — so
 * it is validated entry by entry and anything malformed is dropped, never used.
 */
import { z } from 'zod';

const KEY = 'faultline.learn.progress.v1';

const EntryProgress = z.strictObject({
  /** The furthest step reached (0-based). */
  step: z.int().min(0).max(1000),
  done: z.boolean(),
  /** A challenge graded as passed, with its cost. */
  passedCost: z.number().finite().nullable().optional(),
});
export type EntryProgress = z.output<typeof EntryProgress>;
export type Progress = Record<string, EntryProgress>;

const NAME = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*$/;

export function readProgress(storage: Pick<Storage, 'getItem'> = localStorage): Progress {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(KEY) ?? '{}');
  } catch {
    return {};
  }
  const progress: Progress = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return progress;
  for (const [name, value] of Object.entries(raw).slice(0, 1000)) {
    const entry = EntryProgress.safeParse(value);
    if (NAME.test(name) && entry.success) progress[name] = entry.data;
  }
  return progress;
}

/** Records reaching `step` (and completion); never moves progress backwards. */
export function recordProgress(name: string, update: Partial<EntryProgress>, storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): Progress {
  const progress = readProgress(storage);
  const before = progress[name] ?? { step: 0, done: false };
  progress[name] = {
    step: Math.max(before.step, update.step ?? 0),
    done: before.done || (update.done ?? false),
    passedCost: update.passedCost ?? before.passedCost ?? null,
  };
  try {
    storage.setItem(KEY, JSON.stringify(progress));
  } catch {
    // Storage full or refused (private mode): progress lasts for this page only.
  }
  return progress;
}
