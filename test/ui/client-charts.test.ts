/** A scenario's clients' charts come first, unless it says they are not its story (`clientCharts: false`). */
import { describe, expect, it } from 'vitest';
import { chartsFor } from '../../ui/charts/declared.ts';
import { builtIn } from '../helpers.ts';

describe('the charts a scenario draws', () => {
  it('puts the client charts before the declared ones when there are workloads', () => {
    const titles = chartsFor(builtIn('messaging/events-vs-calls.json')).map((c) => c.title);
    expect(titles.slice(0, 3)).toEqual(['Throughput', 'Latency of successful requests', 'Failures and rejections']);
    expect(titles).toContain('Events waiting');
  });

  it('leaves them out with clientCharts: false, and without workloads', () => {
    expect(chartsFor(builtIn('messaging/poison-message.json')).map((c) => c.title)).toEqual(['Messages', 'Queues']);
    expect(chartsFor(builtIn('transactions/2pc-commit.json')).map((c) => c.title)).not.toContain('Throughput');
  });
});
