/**
 * The variant picker beside Run: the scenario as written or one of its variants (the pattern
 * switched off, another algorithm), one click away outside compare mode. Choosing one runs it
 * at once with the same seed, as `--variant NAME` would; the exported file, the share link and
 * the replay command then name the variant.
 */
import { useState } from 'react';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import type { ScenarioSource } from '../gallery.ts';
import { baseSource, variantOf, withVariant } from './parameters.ts';

interface Props {
  source: ScenarioSource;
  /** Runs the chosen scenario (a new session, the seed kept). */
  onRun: (source: ScenarioSource) => void;
  disabled: boolean;
}

/** `<select>` value of "as written" (a variant's name is never empty). */
const AS_WRITTEN = '';

export function VariantPicker({ source, onRun, disabled }: Props) {
  const [errors, setErrors] = useState<ScenarioError[] | null>(null);
  const base = baseSource(source);
  const variants = base.loaded.ok ? base.loaded.scenario.variants : [];
  if (variants.length === 0) return null;
  const current = variantOf(source);

  const pick = (value: string) => {
    const made = withVariant(source, value === AS_WRITTEN ? null : value);
    if (!made.ok) return setErrors(made.errors);
    setErrors(null);
    onRun(made.source);
  };

  return (
    <label className="variant-picker" title={variants.find((v) => v.name === current)?.description ?? 'Run the scenario as written or one of its variants'}>
      Variant
      <select value={current ?? AS_WRITTEN} onChange={(e) => pick(e.currentTarget.value)} disabled={disabled} data-testid="variant">
        <option value={AS_WRITTEN}>as written</option>
        {variants.map((v) => (
          <option key={v.name} value={v.name} title={v.description}>
            {v.name}
          </option>
        ))}
      </select>
      {errors && (
        <span className="share-error" role="alert">
          {errors.map((e) => `${e.path}: ${e.message}`).join('; ')}
        </span>
      )}
    </label>
  );
}
