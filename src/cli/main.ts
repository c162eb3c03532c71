#!/usr/bin/env node
import { runCli } from './program.js';

/**
 * A reader that went away (`dbferry jobs logs ID --follow | head`) ends a streaming command the way
 * Ctrl-C does (its handler stops following and releases what it holds) instead of crashing on EPIPE.
 */
let stdoutGone = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  if (stdoutGone) return;
  stdoutGone = true;
  process.emit('SIGINT', 'SIGINT');
});

/** The `dbferry` bin: runs the command with the real process streams and exits with its code. */
const exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
process.exitCode = exitCode;
