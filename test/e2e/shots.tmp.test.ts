import { describe, it } from 'vitest';
import { chooseScenario, open, runInPage, seek, useSandbox, waitForDone } from './harness.ts';
useSandbox();
describe('shots', () => {
  for (const [id, at] of [['messaging/poison-message', 20_000_000], ['messaging/events-vs-calls', 20_000_000], ['messaging/competing-consumers', 30_000_000]] as const) {
    it(id, async () => {
      const { page } = await open();
      await chooseScenario(page, id);
      await runInPage(page, 1);
      await waitForDone(page, 1);
      for (const size of [{ width: 1440, height: 900 }, { width: 1280, height: 720 }]) {
        await page.setViewportSize(size);
        await seek(page, at);
        await page.waitForTimeout(400);
        await page.getByTestId('topology').screenshot({ path: `/tmp/topo-${id.split('/')[1]}-${size.width}.png` });
        await page.getByTestId('charts').screenshot({ path: `/tmp/charts-${id.split('/')[1]}-${size.width}.png` });
      }
      await page.close();
    });
  }
});
