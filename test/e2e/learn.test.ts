/**
 * Learn mode in Chromium (issue 11): a first visit opens "start here"; a learner steps through
 * it — the run pauses at the step's time, the prediction is answered before the measured value
 * shows (and that value is the one Node measures), the required intervention unlocks Next,
 * results stay hidden until the reveal — and progress survives a reload; presenter mode drives
 * the lesson from the keyboard alone; bad lesson files and links explain themselves field by
 * field; narration with HTML in it is text; and the browser's grade of a challenge submission is
 * exactly prepareSubmission + runScenario + summarizeGrade in Node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readMetric } from '../../sim/check/checks.ts';
import { prepareSubmission, summarizeGrade } from '../../sim/lesson/grade.ts';
import { loadTeachingText } from '../../sim/lesson/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { nextFrames, open, ROOT, SCREENSHOTS, useSandbox } from './harness.ts';

useSandbox();

const lookup = (name: string) => {
  try {
    return readFileSync(join(ROOT, 'scenarios', `${name}.json`), 'utf8');
  } catch {
    return undefined;
  }
};

const START_HERE = readFileSync(join(ROOT, 'lessons/start/start-here.json'), 'utf8');

/** What Node measures for the start-here prediction (step 5): client.requests of the lesson's run. */
function measuredInNode(): number {
  const loaded = loadTeachingText(START_HERE, lookup);
  if (!loaded.ok || loaded.kind !== 'lesson') throw new Error('start-here does not load');
  const result = runScenario(loaded.played.scenario, { seed: loaded.lesson.seed });
  return readMetric(result.metrics, 'client.requests')!;
}

const stepShown = (page: Page, index: number) => page.locator(`[data-testid="step"][data-step="${index}"]`).waitFor();

/** The machine running these may be loaded: a run and its playback take their time. */
const SLOW = { timeout: 300_000 };

/** Plays at ×1.6⁶ (about 17×) so the pauses at 2–15 s come in seconds. */
async function faster(page: Page): Promise<void> {
  for (let i = 0; i < 6; i++) await page.keyboard.press(']');
}

async function cursorUs(page: Page): Promise<number> {
  return Number(await page.getByTestId('scrubber').inputValue());
}

describe('Learn mode', () => {
  it('a first visit opens "start here"; a learner steps through, predicts, sees the measured value, acts, continues, and progress survives a reload', async () => {
    const { page, problems } = await open('', { firstVisit: true });
    await page.getByTestId('lesson-player').waitFor();
    expect(await page.getByTestId('lesson-title').textContent()).toContain('Start here');
    await stepShown(page, 0);
    // Step 1 points at the three nodes: rings drawn through the topology itself.
    await expect.poll(async () => (await page.locator('g.node.highlighted').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-node')))).sort()).toEqual(['api', 'client', 'payments']);
    await faster(page);
    await page.getByTestId('step-next').click();

    // Step 2 highlights the links and pauses the run at 2 s.
    await stepShown(page, 1);
    expect(await page.locator('.link-hit.highlighted').count()).toBe(2);
    await expect.poll(() => cursorUs(page), SLOW).toBe(2_000_000);
    expect(await page.getByTestId('play').getAttribute('data-playing')).toBe('false');
    for (const [step, pauseUs] of [[2, 5_000_000], [3, 10_000_000], [4, 15_000_000]] as const) {
      await page.getByTestId('step-next').click();
      await stepShown(page, step);
      await expect.poll(() => cursorUs(page), SLOW).toBe(pauseUs);
    }

    // Step 5: Next waits for the prediction; results stay hidden; the charts it names are highlighted.
    expect(await page.getByTestId('step-next').isDisabled()).toBe(true);
    expect(await page.locator('figure.chart.highlighted .chart-title').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Failures and rejections')]));
    expect(await page.getByTestId('results').count()).toBe(0);
    expect(await page.getByTestId('results-hidden').isVisible()).toBe(true);
    expect(await page.getByTestId('verdict').count()).toBe(0);
    await page.getByTestId('predict-input').fill('24000');
    await page.getByTestId('predict-answer').click();
    const measured = measuredInNode();
    await expect.poll(() => page.getByTestId('measured').textContent(), SLOW).toBe(`${measured.toLocaleString('en')} requests`);
    expect(await page.getByTestId('verdict').getAttribute('data-right')).toBe(String(Math.abs(24_000 - measured) <= measured * 0.1));
    expect(await page.getByTestId('explanation').isVisible()).toBe(true);
    expect(await page.getByTestId('results').count()).toBe(0);
    await page.getByTestId('step-next').click();

    // Step 6: a choice, then crash payments (a what-if at the cursor) before Next allows going on.
    await stepShown(page, 5);
    await page.getByTestId('predict-choice-1').check();
    await page.getByTestId('predict-answer').click();
    await page.getByTestId('verdict').waitFor();
    expect(await page.getByTestId('step-next').isDisabled()).toBe(true);
    expect(await page.getByTestId('action').getAttribute('data-done')).toBe('false');
    await page.locator('g.node[data-node="payments"]').click();
    await page.locator('[data-action="crash"]').click();
    await expect.poll(() => page.getByTestId('action').getAttribute('data-done')).toBe('true');
    expect(await page.getByTestId('step-next').isDisabled()).toBe(false);
    await page.getByTestId('step-next').click();

    // Step 7 reveals the results and the checks.
    await stepShown(page, 6);
    await page.getByTestId('results').waitFor(SLOW);
    expect(await page.getByTestId('checks').count()).toBe(1);
    await nextFrames(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'lesson-player.png') });

    // Progress survives a reload: the lesson reopens at the step reached, the course page says so.
    await page.reload();
    await stepShown(page, 6);
    await page.getByTestId('course-page-link').click();
    await page.getByTestId('course-page').waitFor();
    expect(await page.getByTestId('status-start/start-here').textContent()).toBe('step 7 of 7');
    await page.screenshot({ path: join(SCREENSHOTS, 'course-page.png') });
    // Progress in storage is untrusted: garbage is ignored, not a blank page.
    await page.evaluate(() => localStorage.setItem('faultline.learn.progress.v1', '{"start/start-here":{"step":"x"},"../evil":{"step":1,"done":true}}'));
    await page.reload();
    await page.getByTestId('course-page').waitFor();
    expect(await page.getByTestId('status-start/start-here').getAttribute('data-status')).toBe('new');
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);

  it('presenter mode drives a lesson by keyboard alone', async () => {
    const { page, problems } = await open('#lesson=start/start-here');
    await page.getByTestId('lesson-player').waitFor();
    await page.getByTestId('presenter-mode').check();
    await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus off the checkbox
    await faster(page);
    for (let step = 1; step <= 4; step++) {
      await page.keyboard.press('n');
      await stepShown(page, step);
    }
    // R shows the measured answer without a guess, and lets the presenter go on.
    await expect.poll(() => cursorUs(page), SLOW).toBe(15_000_000);
    await page.keyboard.press('r');
    await page.getByTestId('measured').waitFor(SLOW);
    await page.keyboard.press('b');
    await stepShown(page, 3);
    await page.keyboard.press('PageDown');
    await stepShown(page, 4);
    // Replay the step: back to the previous pause (10 s) and playing to 15 s again.
    await page.keyboard.press('p');
    await expect.poll(() => cursorUs(page)).toBeLessThan(15_000_000);
    await expect.poll(() => cursorUs(page), SLOW).toBe(15_000_000);
    await page.keyboard.press('n');
    await stepShown(page, 5);
    // Controls are hidden until asked for.
    expect(await page.getByTestId('run').isVisible()).toBe(false);
    await page.keyboard.press('c');
    expect(await page.getByTestId('run').isVisible()).toBe(true);
    await page.keyboard.press('c');
    await page.keyboard.press('r');
    await page.getByTestId('explanation').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'presenter-mode.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await nextFrames(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'presenter-mode-1440.png') });
    // W: the narration across the whole width (the system below it), and back beside it.
    const columns = () => page.getByTestId('lesson-player').evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
    expect(await columns()).toBe(2);
    await page.keyboard.press('w');
    await expect.poll(columns).toBe(1);
    await page.keyboard.press('w');
    await expect.poll(columns).toBe(2);
    await page.keyboard.press('n');
    await stepShown(page, 6);
    // After the last step: the course's next entry, or (the end of the course) the course page.
    await page.keyboard.press('n');
    await page.getByTestId('course-page').waitFor();
    expect(await page.getByTestId('status-start/start-here').getAttribute('data-status')).toBe('done');
    // The help overlay lists the presenter's keys.
    await page.keyboard.press('?');
    expect(await page.getByTestId('presenter-keys').textContent()).toContain('PageDown');
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);

  it('bad lesson files and links show field-path errors, not a blank page; narration HTML is text', async () => {
    const { page, problems } = await open('#learn');
    await page.getByTestId('course-page').waitFor();
    const bad = JSON.parse(START_HERE);
    bad.steps[4].predict.tolerancePct = -1;
    bad.steps[0].highlight[0].node = 'nowhere';
    await page.getByTestId('open-lesson-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
    const errors = page.getByTestId('lesson-errors');
    await errors.waitFor();
    expect(await errors.textContent()).toContain('steps[4].predict.tolerancePct');

    const nodeless = JSON.parse(START_HERE);
    nodeless.steps[0].highlight[0].node = 'nowhere';
    await page.getByTestId('open-lesson-file').setInputFiles({ name: 'nodeless.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(nodeless)) });
    await expect.poll(() => errors.textContent()).toContain('steps[0].highlight[0].node');

    await page.goto(page.url().replace(/#.*$/, '#lesson-data=not*base64'));
    await page.getByTestId('lesson-invalid').waitFor();
    expect(await page.getByTestId('lesson-errors').textContent()).toContain('damaged');

    const html = JSON.parse(START_HERE);
    html.steps[0].narration = 'Hello <b>html</b> <img src=x onerror="window.__pwned=1">';
    await page.getByTestId('open-lesson-file').setInputFiles({ name: 'html.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(html)) });
    await stepShown(page, 0);
    expect(await page.locator('.narration').first().textContent()).toContain('Hello <b>html</b> <img');
    expect(await page.locator('.narration b, .narration img').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);

  it("the browser's grade of a challenge equals prepareSubmission + runScenario + summarizeGrade in Node", async () => {
    const challenge = {
      kind: 'challenge',
      version: 1,
      title: 'Keep clients from timing out',
      summary: 'Size the API.',
      brief: 'Payments slows down at 20 s. Choose the **API workers**.',
      scenario: 'resilience/cascading-failure',
      seeds: [1, 2],
      allow: [{ path: 'nodes[0].workers', label: 'API workers', min: 1, max: 64, integer: true }],
      goals: [{ type: 'metric', name: 'few client timeouts', metric: 'client.timeout', op: '<', value: 50 }],
      cost: [{ path: 'nodes[0].workers', weight: 1 }],
    };
    const text = JSON.stringify(challenge);
    const { page, problems } = await open('#learn');
    await page.getByTestId('course-page').waitFor();
    await page.getByTestId('open-lesson-file').setInputFiles({ name: 'workers.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    await page.getByTestId('challenge').waitFor();
    await page.getByTestId('allow-nodes[0].workers').fill('12');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-submission').click();
    const submission = readFileSync(await (await download).path(), 'utf8');
    await page.getByTestId('grade').click();
    const shown = page.getByTestId('grade-result');
    await shown.waitFor(SLOW);
    await page.screenshot({ path: join(SCREENSHOTS, 'challenge.png') });

    const loaded = loadTeachingText(text, lookup);
    if (!loaded.ok || loaded.kind !== 'challenge') throw new Error('the challenge does not load');
    const prepared = prepareSubmission(loaded.challenge, loaded.played.scenario, submission);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors));
    expect(prepared.changes.map((c) => [c.path, c.to])).toEqual([['nodes[0].workers', 12]]);
    const runs = prepared.seeds.map((seed) => {
      const r = runScenario(prepared.scenario, { seed });
      return { seed, traceHash: r.traceHash, outcome: r.outcome, checks: r.checks };
    });
    const grade = summarizeGrade(prepared, runs);
    expect(await shown.getAttribute('data-passed')).toBe(String(grade.passed));
    expect(Number(await shown.getAttribute('data-cost'))).toBe(grade.cost);
    expect(await page.getByTestId('grade-seed').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-trace-hash')))).toEqual(runs.map((r) => r.traceHash));

    // A value outside the rule's range is refused with the field path, as `grade` refuses it.
    await page.getByTestId('allow-nodes[0].workers').fill('100');
    await page.getByTestId('grade').click();
    await expect.poll(() => page.getByTestId('grade-errors').textContent()).toContain('nodes[0].workers');
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);
});
