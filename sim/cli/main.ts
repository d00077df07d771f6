/**
 * The command line: `npm run sim -- <command>`, one file per command in commands/. Exit
 * status: 0 ok, 1 a check failed, 2 bad input (arguments, files, scenarios, seed ranges), 3 a
 * limit cut a run short that the scenario does not list in `limits.expected` (whatever the
 * checks say); `compare` is a study tool and exits 0 whatever the checks say (see its --help).
 */
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_STATUS_HELP, PROGRAM, processOutput, usageHint, type Output } from './common.ts';
import { registerCompare } from './commands/compare.ts';
import { registerGrade } from './commands/grade.ts';
import { registerHints } from './commands/hints.ts';
import { registerList } from './commands/list.ts';
import { registerFileCommands } from './commands/report.ts';
import { registerRun } from './commands/run.ts';
import { registerMerge, registerSweep } from './commands/sweep.ts';
import { registerValidate } from './commands/validate.ts';
import { BadInput } from './scenario-file.ts';

export { EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_LIMIT, EXIT_OK, processOutput, replayCommand, type Output } from './common.ts';

/** What a command module gets: where to write, and a way to declare its action. */
export interface CommandContext {
  out: Output;
  /**
   * Sets `cmd`'s action. The action returns the exit status; a `BadInput` it throws is
   * printed with the command's usage and exits 2.
   */
  action<A extends unknown[]>(cmd: Command, fn: (...args: A) => number | Promise<number>): void;
}

export async function main(argv: string[], out: Output = processOutput): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name(PROGRAM)
    .description(`Run Faultline scenarios from the command line. ${EXIT_STATUS_HELP}`)
    .exitOverride()
    .configureOutput({ writeOut: out.stdout, writeErr: out.stderr })
    .showHelpAfterError(`(run '${PROGRAM} --help' for the commands)`);

  const ctx: CommandContext = {
    out,
    action(cmd, fn) {
      cmd.action(async (...args: unknown[]) => {
        try {
          exitCode = await fn(...(args.slice(0, -1) as Parameters<typeof fn>));
        } catch (e) {
          if (!(e instanceof BadInput)) throw e;
          out.stderr(`error: ${e.message}\n${usageHint(cmd)}\n`);
          exitCode = EXIT_BAD_INPUT;
        }
      });
    },
  };

  registerList(program, ctx);
  registerValidate(program, ctx);
  registerHints(program, ctx);
  registerRun(program, ctx);
  registerCompare(program, ctx);
  registerSweep(program, ctx);
  registerMerge(program, ctx);
  registerFileCommands(program, ctx);
  registerGrade(program, ctx);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: out.stdout, writeErr: out.stderr }).showHelpAfterError(usageHint(cmd));
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    throw e;
  }
  return exitCode;
}
