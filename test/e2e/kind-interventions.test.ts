/**
 * End-to-end: a node kind's own intervention (ui/patterns/interventions.ts). On the mesh
 * rollout, the control plane's node menu offers "Push config…": a version without the retry,
 * pushed at 20 s as a mesh-config fault, reaches every sidecar (their badges show v3), the run
 * replays it exactly, and the exported file holds it as a fault that the command line runs to
 * the browser's trace hash.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../sim/scenario/run.ts';
import { chooseScenario, open, ROOT, SCREENSHOTS, seek, useSandbox, waitForDone } from './harness.ts';

useSandbox();

describe("a node kind's own intervention", () => {
  it('pushes a new mesh configuration from the node menu, kept in the export', async () => {
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1440, height: 900 });
    await chooseScenario(page, 'topology/mesh-rollout');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await seek(page, 20_000_000);
    await page.locator('g.node[data-node="control-plane"]').click();
    await page.getByTestId('node-menu').waitFor();
    await page.locator('[data-action="mesh-config"]').click();
    const form = page.getByTestId('node-menu-form-mesh-config');
    await form.locator('[data-field="attempts"]').fill('0');
    expect(await page.getByTestId('node-menu-apply-mesh-config').isDisabled()).toBe(true);
    await form.locator('[data-field="attempts"]').fill('1');
    await form.locator('[data-field="timeoutMs"]').fill('250');
    await page.getByTestId('node-menu-form-mesh-config').screenshot({ path: join(SCREENSHOTS, 'node-menu-mesh-config.png') });
    await page.getByTestId('node-menu-apply-mesh-config').click();
    await waitForDone(page, 2);
    const after = (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult;
    expect(after.faultLog.filter((e) => e.source === 'injected').map((e) => e.fault)).toEqual([
      { type: 'mesh-config', node: 'control-plane', outbound: [{ type: 'timeout', timeoutMs: 250 }], atMs: 20_000.001 },
    ]);
    expect(after.metrics['api-6.sidecar.configVersion']).toMatchObject({ value: 3 });
    await seek(page, 59_000_000);
    await expect.poll(async () => (await page.locator('g.node[data-node="api-6"] .nb-row').allTextContents()).join(' | ')).toContain('v3');
    expect(await page.getByTestId('interventions').textContent()).toContain('mesh-config');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { faults: { type: string }[] };
    expect(exported.faults.map((f) => f.type)).toEqual(['mesh-config']);
    const cli = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'sim/cli.ts'), 'run', (await download.path())!, '--json'], { cwd: ROOT, encoding: 'utf8' });
    // Exit 1: the scenario's own check "every sidecar ends on version 2" fails, as it should now.
    expect(cli.status).toBe(1);
    expect((JSON.parse(cli.stdout) as RunResult).traceHash).toBe(await page.getByTestId('trace-hash').textContent());
    expect(problems).toEqual([]);
    await page.close();
  });
});
