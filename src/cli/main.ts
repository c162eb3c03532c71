#!/usr/bin/env node
import { runCli } from './program.js';

/** The `dbferry` bin: runs the command with the real process streams and exits with its code. */
const exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
process.exitCode = exitCode;
