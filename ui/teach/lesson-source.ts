/**
 * The scenario a lesson or challenge plays, as the sandbox's scenario source: the built-in (or
 * inline) file with the lesson's variant applied the way the variant picker applies one, so the
 * worker runs exactly that text and the parameters panel and variant picker work on it.
 */
import type { PlayedScenario } from '../../sim/lesson/load.ts';
import type { ScenarioSource } from '../gallery.ts';
import { loadScenarioText } from '../load.ts';
import { withVariant } from '../params/parameters.ts';

export function playedSource(played: PlayedScenario, variant: string | undefined): ScenarioSource {
  const [folder] = played.name?.split('/') ?? [];
  const file: ScenarioSource = { id: played.name ?? 'lesson scenario', folder: folder ?? null, text: played.text, loaded: loadScenarioText(played.text) };
  if (variant === undefined) return file;
  const made = withVariant(file, variant);
  // The loader applied the same variant already, so this does not fail; if it did, play the file.
  return made.ok ? made.source : file;
}
