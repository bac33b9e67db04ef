#!/usr/bin/env node
import { runCli } from './run';

/** `gatehouse` (package.json `bin`; in a checkout: `npm run gatehouse -- <command>`). */
void runCli(process.argv.slice(2), {
  fetch: globalThis.fetch,
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  process.exitCode = code;
});
