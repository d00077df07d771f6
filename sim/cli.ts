#!/usr/bin/env node
/**
 * The command line's entry point; see cli/main.ts. `npm run sim -- <command>` runs it prebuilt
 * (cli/launch.mjs starts the esbuild bundle of it, cli/bundle.mjs); `tsx sim/cli.ts` runs the sources.
 */
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
