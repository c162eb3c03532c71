import { DbfError } from '../domain/errors.js';

/** Lease arithmetic in one place (product.md: DBFERRY_LEASE_MS, default 30 s). */
export interface LeaseTiming {
  readonly leaseMs: number;
  /** Heartbeats: every lease/3, but at least every second so progress and events stay live. */
  readonly heartbeatMs: number;
  /** A worker that could not renew for this long aborts its own work before anyone may take the job. */
  readonly selfFenceMs: number;
  /** The reaper's period (± jitter). */
  readonly reapMs: number;
  /** One store round trip of the lifecycle may take this long before it counts as failed. */
  readonly storeCallMs: number;
}

export function leaseTiming(leaseMs: number): LeaseTiming {
  return {
    leaseMs,
    heartbeatMs: Math.min(Math.floor(leaseMs / 3), 1_000),
    selfFenceMs: Math.floor(leaseMs / 2),
    reapMs: Math.floor(leaseMs / 2),
    storeCallMs: Math.max(1_000, Math.floor(leaseMs / 3)),
  };
}

/**
 * Bounds a store call: a cut TCP connection can leave a query waiting forever, and a lifecycle write
 * that never answers must count as failed so that it is retried (or the worker fences itself).
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DbfError('DBF_STORE_UNAVAILABLE', `${what} got no answer from the metadata store within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
