/**
 * The lesson builder as a teacher uses it (issue 11): from a run of a built-in scenario, steps
 * made at the cursor ("pause here", a highlighted node, a question about a metric), exported as
 * a file that the command line's loader accepts exactly as written, and shared as a link that
 * opens the lesson in Learn mode.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadTeachingText } from '../../sim/lesson/load.ts';
import { nextFrames, open, ROOT, runInPage, SCREENSHOTS, seek, useSandbox, chooseScenario } from './harness.ts';

useSandbox();

const lookup = (name: string) => {
  try {
    return readFileSync(join(ROOT, 'scenarios', `${name}.json`), 'utf8');
  } catch {
    return undefined;
  }
};

async function addStep(page: Page, step: { narration: string; node?: string; question?: string; metric?: string; unit?: string; pause: boolean }) {
  await page.getByTestId('builder-narration').fill(step.narration);
  await page.getByTestId('builder-node').selectOption(step.node ?? '');
  await page.getByTestId('builder-pause').setChecked(step.pause);
  await page.getByTestId('builder-question').fill(step.question ?? '');
  if (step.metric) await page.getByTestId('builder-metric').fill(step.metric);
  if (step.unit) await page.getByTestId('builder-unit').fill(step.unit);
  await page.getByTestId('builder-add').click();
}

describe('the lesson builder', () => {
  it('makes a lesson from the sandbox at the cursor; its export loads in Node as written, and its link plays in Learn mode', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'resilience/cascading-failure');
    await runInPage(page, 1);
    await page.getByTestId('lesson-builder-toggle').click();
    await page.getByTestId('lesson-builder').waitFor();
    await page.getByTestId('builder-title').fill('Why the breaker opens');

    await seek(page, 10_000_000);
    await addStep(page, { narration: 'The API calls **payments** through a breaker.', node: 'api', pause: true });
    await seek(page, 30_000_000);
    await addStep(page, { narration: 'Payments slows down at 20 s.', node: 'payments', question: 'How many requests time out at the client?', metric: 'client.timeout', unit: 'requests', pause: true });
    await addStep(page, { narration: 'The results.', pause: false });
    expect(await page.getByTestId('builder-steps').locator('li').allTextContents()).toEqual([
      'The API calls **payments** through a breaker. · pause at 10 s · highlight api',
      'Payments slows down at 20 s. · pause at 30 s · highlight payments · asks',
      'The results.',
    ]);

    for (const viewport of [{ width: 1440, height: 900 }, { width: 1280, height: 720 }]) {
      await page.setViewportSize(viewport);
      await page.getByTestId('lesson-builder').scrollIntoViewIfNeeded();
      await nextFrames(page);
      await page.screenshot({ path: join(SCREENSHOTS, `lesson-builder-${viewport.width}.png`) });
    }

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('builder-export').click()]);
    const text = readFileSync((await download.path())!, 'utf8');
    const loaded = loadTeachingText(text, lookup);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.kind).toBe('lesson');
    if (loaded.kind !== 'lesson') return;
    const { lesson } = loaded;
    expect(lesson.title).toBe('Why the breaker opens');
    expect(lesson.scenario).toBe('resilience/cascading-failure');
    expect(lesson.seed).toBe(1);
    expect(lesson.steps.map((s) => [s.pauseAtMs, s.highlight, s.reveal])).toEqual([
      [10_000, [{ node: 'api' }], false],
      [30_000, [{ node: 'payments' }], false],
      [undefined, [], true],
    ]);
    expect(lesson.steps[1].predict).toMatchObject({ type: 'number', question: 'How many requests time out at the client?', unit: 'requests', answer: { metric: 'client.timeout' } });

    await page.getByTestId('builder-share').click();
    const link = await page.getByTestId('builder-link').getAttribute('href');
    expect(link).toMatch(/#lesson-data=/);
    await page.goto(link!);
    await page.getByTestId('lesson-player').waitFor();
    expect(await page.getByTestId('lesson-title').textContent()).toBe('Why the breaker opens');
    await page.locator('[data-testid="step"][data-step="0"]').waitFor();
    await expect.poll(() => page.locator('g.node.highlighted').getAttribute('data-node')).toBe('api');
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);
});
