import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A worker's identity: `host/pid/boot`. The boot part is new at every process start, so a restarted
 * process never mistakes an older boot's jobs for its own; host and pid let a process on the same
 * host tell at once whether that older owner is still alive (boot reconciliation).
 */
export interface WorkerIdentity {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

export function newWorkerIdentity(host = hostname(), pid = process.pid): WorkerIdentity {
  return { id: `${host}/${pid}/${randomBytes(4).toString('hex')}`, host, pid };
}

export function parseWorkerId(id: string): { host: string; pid: number } | null {
  const match = /^(.*)\/(\d+)\/[0-9a-f]+$/.exec(id);
  return match?.[1] !== undefined && match[2] !== undefined ? { host: match[1], pid: Number(match[2]) } : null;
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
