/**
 * End-to-end: a queue scenario in the sandbox draws its broker state (depth, in flight, dead
 * letters) and the inspector follows one message's whole life from the event log.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseScenario, open, SCREENSHOTS, seek, useSandbox, waitForDone } from './harness.ts';

useSandbox();

describe('messaging in the sandbox', () => {
  it('draws the queues and the dead letters, and shows a poison message’s life in the inspector', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'messaging/poison-message');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await seek(page, 30_000_000);

    const topology = page.getByTestId('topology');
    const text = (await topology.textContent()) ?? '';
    for (const label of ['orders queue', 'dead-letter queue', 'queued', 'to dead-letter queue', 'dead letters']) expect(text).toContain(label);

    // The event log, narrowed to the moves into the dead-letter queue; the first one's life.
    await page.getByTestId('view-tab-log').click();
    await page.getByTestId('log-text').fill('dead-lettered');
    const row = page.locator('[data-testid="log-row"]').first();
    await row.waitFor();
    await row.click();
    const life = page.getByTestId('inspector-message-life');
    await life.waitFor();
    const steps = await life.locator('li').allTextContents();
    expect(steps.map((s) => s.replace(/^.*?: /, '').replace(/ \(.*\)$/, ''))).toEqual([
      'published',
      'received:1',
      'processing',
      'failed',
      'visible',
      'received:2',
      'processing',
      'failed',
      'visible',
      'received:3',
      'processing',
      'failed',
      'visible',
      'dead-letter',
      'dead-lettered',
      'moved',
    ]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByTestId('views').screenshot({ path: join(SCREENSHOTS, 'message-life.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
