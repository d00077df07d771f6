/**
 * The picker for one side of a comparison: the scenario as written, one of its variants (with
 * the variant's description as a hint), or as written under a seed of its own.
 */
import { useState } from 'react';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { choiceKey, describeSide, sideChoices, type Side } from './sides.ts';

interface Props {
  /** "A" or "B". */
  name: string;
  side: Side;
  scenario: Scenario;
  /** The seed box's seed (the default for a side with a seed of its own). */
  seed: number | null;
  onChange: (side: Side) => void;
  /** Told whether the side's own seed box holds a valid seed (a side without one is always valid). */
  onValidity: (valid: boolean) => void;
}

export function SidePicker({ name, side, scenario, seed, onChange, onValidity }: Props) {
  const choices = sideChoices(scenario, seed);
  const id = name.toLowerCase();
  const pick = (key: string) => {
    const next = choices.find((c) => choiceKey(c) === key);
    // Switching back to "another seed" keeps the seed typed before.
    if (!next) return;
    onChange(next.kind === 'seed' && side.kind === 'seed' ? side : next);
    if (next.kind !== 'seed') onValidity(true);
  };
  const description = side.kind === 'variant' ? scenario.variants.find((v) => v.name === side.name)?.description : undefined;
  return (
    <span className="compare-side-picker">
      <label>
        <span className={`compare-side-tag side-${id}`}>{name}</span>
        <select value={choiceKey(side)} onChange={(e) => pick(e.currentTarget.value)} title={description} data-testid={`compare-side-${id}-choice`}>
          {choices.map((c) => (
            <option key={choiceKey(c)} value={choiceKey(c)}>
              {c.kind === 'seed' ? 'as written, another seed' : describeSide(c)}
            </option>
          ))}
        </select>
      </label>
      {side.kind === 'seed' && <SeedInput name={name} seed={side.seed} onChange={(s) => onChange({ kind: 'seed', seed: s })} onValidity={onValidity} />}
    </span>
  );
}

/** A side's own seed; the side changes only when the text is a valid seed (the command line's rule). */
function SeedInput({ name, seed, onChange, onValidity }: { name: string; seed: number; onChange: (seed: number) => void; onValidity: (valid: boolean) => void }) {
  const [text, setText] = useState(String(seed));
  const valid = parseSeed(text) !== null;
  const edit = (next: string) => {
    setText(next);
    const parsed = parseSeed(next);
    onValidity(parsed !== null);
    if (parsed !== null && parsed !== seed) onChange(parsed);
  };
  return (
    <label className="seed compare-seed">
      seed
      <input
        type="text"
        inputMode="numeric"
        value={text}
        aria-label={`Seed of side ${name}`}
        aria-invalid={!valid}
        onChange={(e) => edit(e.currentTarget.value)}
        data-testid={`compare-side-${name.toLowerCase()}-seed`}
      />
    </label>
  );
}

/** A whole number ≥ 0 that is exact in a double, as the seed box and the command line's --seed accept. */
function parseSeed(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : null;
}
