import type { ConnectionService } from '../catalog/connection-service.js';
import type { SyncConfigView } from '../catalog/sync-config-view.js';
import type { ConnectionSpec } from '../domain/connection-url.js';
import { DbfError } from '../domain/errors.js';
import { atDatabase } from '../engines/copy-registry.js';
import type { SecretSealer } from '../secrets/secret-box.js';
import type { JobRow } from '../store/schema.js';
import { isOneShotSpec, ONESHOT_SEAL_OWNER, parseOneShotSpec, tablesOfConfig } from './sync-request.js';
import type { SyncRequest } from './sync-request.js';

/**
 * Turns a sync job's stored spec into a SyncRequest when a worker runs it. A config job carries a
 * snapshot of its config (so an edit after the start does not change a running job) and its
 * connections are read now, by id (a password changed since is the one that works); a one-shot job
 * carries its URLs sealed with the secret key.
 */
export function syncResolver(deps: { readonly connections: ConnectionService; readonly secrets: SecretSealer }) {
  return async (job: JobRow): Promise<SyncRequest> => {
    const spec: unknown = JSON.parse(job.spec);
    if (isOneShotSpec(spec)) {
      const { oneshot } = parseOneShotSpec(spec);
      return {
        source: openSpec(deps.secrets, oneshot.source.sealed),
        target: openSpec(deps.secrets, oneshot.target.sealed),
        tables: oneshot.tables,
        options: oneshot.options,
      };
    }
    if (typeof spec !== 'object' || spec === null || !('config' in spec)) throw new DbfError('DBF_INTERNAL', `job ${job.id} has no sync spec`);
    const config = (spec as { config: SyncConfigView }).config;
    const source = await deps.connections.resolveSpec(config.source_connection_id);
    const target = await deps.connections.resolveSpec(config.target_connection_id);
    return {
      source: atDatabase(source, config.source_database),
      target: atDatabase(target, config.target_database ?? config.source_database),
      tables: tablesOfConfig(config),
      options: config.options,
    };
  };
}

export function sealSpec(secrets: SecretSealer, spec: ConnectionSpec): string {
  return secrets.seal(JSON.stringify(spec), ONESHOT_SEAL_OWNER);
}

function openSpec(secrets: SecretSealer, sealed: string): ConnectionSpec {
  return JSON.parse(secrets.open(sealed, ONESHOT_SEAL_OWNER)) as ConnectionSpec;
}
