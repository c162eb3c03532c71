import type { ConnectionSpec } from '../domain/connection-url.js';
import { copyEngineFor } from '../engines/copy-registry.js';
import type { CopyEngine, CopySource, CopyTarget } from '../engines/copy-ports.js';

export interface CopyEnds {
  readonly engine: CopyEngine;
  readonly source: CopySource;
  readonly target: CopyTarget;
}

/**
 * Opens a source and a target session for a read-only look at both (a plan, a verify), and closes
 * both whatever happens. The target database is not created: the caller only asks whether it exists.
 */
export async function withCopyEnds<T>(spec: { source: ConnectionSpec; target: ConnectionSpec; timeoutMs: number }, work: (ends: CopyEnds) => Promise<T>): Promise<T> {
  const engine = copyEngineFor(spec.source, spec.target);
  const options = { timeoutMs: spec.timeoutMs };
  const source = await engine.openSource(spec.source, options);
  let target: CopyTarget | null = null;
  try {
    target = await engine.openTarget(spec.target, source, options);
    return await work({ engine, source, target });
  } finally {
    await Promise.allSettled([source.close(), target?.close()]);
  }
}
