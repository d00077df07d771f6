/**
 * The gallery lists the built-in scenarios from their JSON and validates one only when it is
 * opened: start-up does not run the validator over every file.
 */
import { describe, expect, it, vi } from 'vitest';

const validations = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../ui/load.ts', async (original) => {
  const real = await original<typeof import('../../ui/load.ts')>();
  return {
    ...real,
    loadScenarioText: (text: string) => {
      validations.count++;
      return real.loadScenarioText(text);
    },
  };
});

const { BUILT_IN, headline, loadBuiltIn } = await import('../../ui/gallery.ts');
const { BUILT_IN_SOURCES } = await import('../../ui/built-in-texts.ts');

describe('the gallery', () => {
  it('lists every built-in by its title without validating any, then fetches and validates one when it is opened, once', async () => {
    expect(BUILT_IN.length).toBeGreaterThan(20);
    const listed = BUILT_IN.map(headline);
    expect(validations.count).toBe(0);
    expect(listed.every((h) => h.title.length > 0 && !h.invalid)).toBe(true);

    const first = await loadBuiltIn(BUILT_IN[0].id)!;
    expect(validations.count).toBe(0);
    expect(first.loaded.ok).toBe(true);
    expect(first.loaded).toBe(first.loaded);
    expect(validations.count).toBe(1);
    expect(await loadBuiltIn(BUILT_IN[0].id)).toBe(first);
    expect(loadBuiltIn('no/such-scenario')).toBeNull();
  });

  it("lists what the validator would: each built-in's title and description", () => {
    expect(BUILT_IN_SOURCES.map((s) => s.id)).toEqual(BUILT_IN.map((e) => e.id));
    BUILT_IN_SOURCES.forEach((source, i) => {
      const { loaded } = source;
      if (!loaded.ok) throw new Error(`${source.id} is not valid`);
      expect(headline(BUILT_IN[i])).toEqual({ title: loaded.scenario.title, description: loaded.scenario.description, invalid: false });
      expect(headline(source)).toEqual(headline(BUILT_IN[i]));
    });
  });

  it('shows an opened file that is not a scenario as invalid, with its problems counted', () => {
    const source = { id: 'mine.json', folder: null, text: '{"title": "x"}', loaded: { ok: false as const, errors: [{ path: 'nodes', message: 'required' }] } };
    expect(headline(source)).toEqual({ title: 'mine.json', description: 'Not a valid scenario (1 problem)', invalid: true });
  });
});
