import type { Command } from 'commander';
import { designHints } from '../../design/hints.ts';
import { formatPath } from '../../scenario/load.ts';
import { collect, EXIT_OK, loadScenario, type ScenarioFlags } from '../common.ts';
import type { CommandContext } from '../main.ts';

/**
 * Design hints for a scenario, before it runs (sim/design/hints.ts): each with the field path of
 * the element it is about. Exit 0 whether or not there are hints — they are advice, not errors.
 */
export function registerHints(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('hints')
    .summary('design hints for a scenario, without running it')
    .description('Print the design hints for a scenario without running it: calls without a timeout, retries at several layers (worst-case attempts), dependencies with no breaker or bulkhead, queues with no dead-letter limit, single points of failure, services offered more than they can serve (ρ ≥ 1), timeouts shorter than the timeouts below them. Each names the field path of its element. Exit 0 (hints are advice), 2 on bad input.')
    .argument('<file>', 'scenario file (JSON), or a built-in scenario name')
    .option('--variant <name>', 'with this variant applied')
    .option('--set <path=value>', 'with this change (repeatable)', collect, [])
    .option('--json', 'print the hints as JSON');
  ctx.action(cmd, (arg: string, flags: ScenarioFlags & { json?: boolean }) => {
    const hints = designHints(loadScenario(arg, flags));
    if (flags.json) {
      ctx.out.stdout(`${JSON.stringify(hints.map((h) => ({ ...h, path: formatPath(h.path) })), null, 2)}\n`);
      return EXIT_OK;
    }
    if (hints.length === 0) ctx.out.stdout('no design hints\n');
    for (const h of hints) ctx.out.stdout(`${h.kind}  ${formatPath(h.path)}\n  ${h.message}\n`);
    return EXIT_OK;
  });
}
