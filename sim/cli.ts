#!/usr/bin/env node
/** Entry point of `npm run sim -- <command>`; see cli/main.ts. */
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
