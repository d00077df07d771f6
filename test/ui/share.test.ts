/** Share by URL: a link round-trips a scenario exactly; damaged, oversized and hostile links become clear errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_SCENARIO_BYTES } from '../../sim/scenario/load.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { builtInFragment, MAX_SHARE_CHARS, readFragment, shareFragment, textFragment } from '../../ui/share.ts';
import { openLink } from '../../ui/open-link.ts';
import type { Intervention } from '../../ui/protocol.ts';

const text = readFileSync(new URL('../../scenarios/resilience/retry-storm.json', import.meta.url), 'utf8');

async function deflateRawBase64url(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return Buffer.from(await new Response(stream).arrayBuffer()).toString('base64url');
}

describe('share links', () => {
  it('round-trip scenario text to the same scenario, in a link much shorter than the file', async () => {
    const made = await textFragment(text);
    if (!made.ok) throw new Error(made.message);
    expect(made.fragment).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    expect(made.fragment.length).toBeLessThan(text.length * 0.6);
    const read = await readFragment(made.fragment);
    if (read.kind !== 'text') throw new Error(`expected text, got ${JSON.stringify(read)}`);
    expect(JSON.parse(read.text)).toEqual(JSON.parse(text));
    const [a, b] = [loadScenarioText(text), loadScenarioText(read.text)];
    expect(a.ok && b.ok && a.scenario).toEqual(b.ok && b.scenario);
  });

  it('name built-in scenarios and seeds readably', async () => {
    const fragment = builtInFragment('resilience/retry-storm', 42);
    expect(fragment).toBe('#scenario=resilience/retry-storm&seed=42');
    expect(await readFragment(fragment)).toEqual({ kind: 'built-in', id: 'resilience/retry-storm', seed: 42, variant: null, sets: [], interventions: [], atUs: null });
    expect(await readFragment('')).toEqual({ kind: 'none' });
    expect(await readFragment('#')).toEqual({ kind: 'none' });
  });

  it('explain a fragment that is not a link of theirs instead of ignoring it', async () => {
    for (const fragment of ['#hello', '#seed=3', '#scenarioo=resilience/retry-storm']) {
      const read = await readFragment(fragment);
      expect(read.kind, fragment).toBe('error');
      if (read.kind === 'error') expect(read.message).toContain('is not a Faultline link: expected #scenario=');
    }
  });

  it('explain a damaged link instead of failing', async () => {
    const made = await textFragment(text);
    if (!made.ok) throw new Error(made.message);
    const cut = made.fragment.slice(0, made.fragment.length / 2);
    const read = await readFragment(cut);
    expect(read.kind).toBe('error');
    expect(read.kind === 'error' && read.message).toMatch(/damaged/);
    expect(await readFragment('#s=not*base64')).toEqual({ kind: 'error', message: expect.stringMatching(/not base64url/) });
    expect(await readFragment('#scenario=x&seed=-3')).toEqual({ kind: 'error', message: expect.stringMatching(/seed must be a whole number/) });
  });

  it('refuse links over the size cap, before and while decoding', async () => {
    const long = `#s=${'A'.repeat(MAX_SHARE_CHARS + 1)}`;
    expect(await readFragment(long)).toEqual({ kind: 'error', message: expect.stringMatching(/more than the limit/) });
    // A few kilobytes that would inflate past the scenario size limit (a "zip bomb").
    const bomb = await deflateRawBase64url(new Uint8Array(MAX_SCENARIO_BYTES + 1).fill(32));
    expect(bomb.length).toBeLessThan(MAX_SHARE_CHARS);
    expect(await readFragment(`#s=${bomb}`)).toEqual({ kind: 'error', message: expect.stringMatching(/larger than the limit/) });
  });

  it('decline to make a link for a scenario too big to share that way', async () => {
    // Incompressible text: random-looking labels.
    const json = JSON.parse(text);
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16;
    json.notes = Array.from({ length: 40_000 }, () => String.fromCharCode(33 + (next() % 90))).join('');
    const made = await textFragment(JSON.stringify(json));
    expect(made.ok).toBe(false);
    expect(!made.ok && made.message).toMatch(/export the file instead/);
  });
});

describe('what-if links', () => {
  const crash: Intervention = { atUs: 10_000_000, action: { type: 'crash', node: 'payments', restartAfterMs: null } };
  const slow: Intervention = { atUs: 4_000_000, action: { type: 'slow', node: 'api', factor: 3, durationMs: 2000 } };

  it('name the built-in and carry the variant, the sets, the interventions and the cursor time', async () => {
    const run = { seed: 7, variant: 'no-protection', sets: ['nodes[0].workers=4'], interventions: [slow, crash], atUs: 12_345_678 };
    const made = await shareFragment({ builtInId: 'resilience/cascading-failure' }, run);
    if (!made.ok) throw new Error(made.message);
    expect(made.fragment).toMatch(/^#scenario=resilience\/cascading-failure&seed=7&variant=no-protection&set=nodes%5B0%5D.workers%3D4&i=[A-Za-z0-9_-]+&t=12345678$/);
    expect(await readFragment(made.fragment)).toEqual({ kind: 'built-in', id: 'resilience/cascading-failure', ...run });

    const opened = await openLink({ kind: 'built-in', id: 'resilience/cascading-failure', ...run });
    expect(opened.source.id).toBe('resilience/cascading-failure');
    expect(opened.source.loaded.ok && opened.source.loaded.scenario.nodes[0]).toMatchObject({ workers: 4 });
    expect(opened.run).toEqual({ interventions: [slow, crash], cursorUs: 12_345_678 });
    expect(opened.seed).toBe(7);
  });

  it('keep an opened file’s name', async () => {
    const made = await shareFragment({ text, name: 'my storm.json' }, { seed: 3, variant: null, sets: [], interventions: [], atUs: null });
    if (!made.ok) throw new Error(made.message);
    const read = await readFragment(made.fragment);
    if (read.kind !== 'text') throw new Error(JSON.stringify(read));
    expect(read.name).toBe('my storm.json');
    const opened = await openLink(read);
    expect(opened.source.id).toBe('my storm.json');
    expect(opened.run).toBeNull(); // no what-if: selected, not run
  });

  it('explain interventions that are damaged or do not fit the scenario', async () => {
    expect(await readFragment('#scenario=network/crash-restart&i=***')).toEqual({ kind: 'error', message: expect.stringMatching(/interventions are damaged/) });
    expect(await readFragment('#scenario=network/crash-restart&t=-4')).toEqual({ kind: 'error', message: expect.stringMatching(/cursor time/) });
    const ghost: Intervention = { atUs: 1000, action: { type: 'crash', node: 'ghost', restartAfterMs: null } };
    const opened = await openLink({ kind: 'built-in', id: 'resilience/cascading-failure', seed: 1, variant: null, sets: [], interventions: [crash, ghost], atUs: null });
    expect(opened.source.loaded.ok).toBe(false);
    expect(!opened.source.loaded.ok && opened.source.loaded.errors.map((e) => e.path)).toEqual(['interventions[1].node']);
    const late = await openLink({ kind: 'built-in', id: 'resilience/cascading-failure', seed: 1, variant: null, sets: [], interventions: [{ ...crash, atUs: 1e12 }], atUs: null });
    expect(!late.source.loaded.ok && late.source.loaded.errors[0]).toMatchObject({ path: 'interventions[0]', message: expect.stringMatching(/within the run/) });
  });
});
