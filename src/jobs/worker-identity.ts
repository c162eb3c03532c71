import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A worker's identity: `host/pid/boot-n`. The boot part is drawn once per process start, so a
 * restarted process never mistakes an older boot's jobs for its own — even when it got the same pid
 * back, as a container's pid 1 always does; `n` tells apart the runners of one process. Host, pid and
 * boot let a process on the same host tell at once whether an older owner is still alive (boot
 * reconciliation, doctor).
 */
export interface WorkerIdentity {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly boot: string;
}

const PROCESS_BOOT = randomBytes(4).toString('hex');
let runnersStarted = 0;

export function newWorkerIdentity(host = hostname(), pid = process.pid, boot = PROCESS_BOOT): WorkerIdentity {
  runnersStarted += 1;
  return { id: `${host}/${pid}/${boot}-${runnersStarted}`, host, pid, boot };
}

/** This process as an owner: host, pid and boot, without a runner number. */
export function thisProcess(): { host: string; pid: number; boot: string } {
  return { host: hostname(), pid: process.pid, boot: PROCESS_BOOT };
}

export function parseWorkerId(id: string): { host: string; pid: number; boot: string } | null {
  const match = /^(.*)\/(\d+)\/([0-9a-f]+)(?:-\d+)?$/.exec(id);
  return match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined ? { host: match[1], pid: Number(match[2]), boot: match[3] } : null;
}

/**
 * Whether the worker that wrote `workerId` is provably gone, seen from `self`: it ran on this host and
 * either its process no longer exists, or its pid is now this very process under another boot (the
 * pid was reused). A worker on another host, or one of this process's own runners, is never "provably
 * gone": only its lease can tell.
 */
export function isOwnerGone(workerId: string | null, self: { host: string; pid: number; boot: string }, isPidAlive: (pid: number) => boolean): boolean {
  const owner = workerId === null ? null : parseWorkerId(workerId);
  if (!owner || owner.host !== self.host) return false;
  if (owner.pid === self.pid) return owner.boot !== self.boot;
  return !isPidAlive(owner.pid);
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
