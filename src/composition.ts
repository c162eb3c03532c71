import { sql } from 'kysely';
import type { AppDeps } from './api/app.js';
import { ConnectionService } from './catalog/connection-service.js';
import { SyncConfigService } from './catalog/sync-config-service.js';
import type { Settings } from './config/settings.js';
import { adapterFor } from './engines/registry.js';
import type { Logger } from './logging/logger.js';
import { SecretBox } from './secrets/secret-box.js';
import { migrateStore } from './store/migrate.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/open-store.js';
import { resolveStoreLocation } from './store/store-url.js';
import { VERSION } from './version.js';

/**
 * The only place that builds concrete adapters and wires them together. Entry points (CLI commands,
 * `serve`) call `openRuntime` and hand the services on; nothing else calls `new` on an adapter.
 */
export interface Runtime {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly store: Store;
  readonly connections: ConnectionService;
  readonly configs: SyncConfigService;
  close(): Promise<void>;
}

/** Opens and migrates the store, then builds the services on it. */
export async function openRuntime(settings: Settings, logger: Logger): Promise<Runtime> {
  const store = openStore(resolveStoreLocation(settings.store));
  try {
    const { applied } = await migrateStore(store);
    if (applied.length > 0) logger.debug({ applied, store: store.display }, 'metadata store migrated');
  } catch (error) {
    await store.close();
    throw error;
  }
  const secrets = new SecretBox({ secretKey: settings.secret_key, home: settings.home });
  const now = (): number => Date.now();
  const connections = new ConnectionService({ db: store.db, secrets, adapterFor, now, connectTimeoutMs: settings.connect_timeout_ms });
  const configs = new SyncConfigService({ db: store.db, connections, now });
  return { settings, logger, store, connections, configs, close: () => store.close() };
}

export function appDepsOf(runtime: Runtime, withRequestLogs: boolean): AppDeps {
  return {
    connections: runtime.connections,
    configs: runtime.configs,
    checkStore: async () => {
      await sql`select 1`.execute(runtime.store.db);
    },
    version: VERSION,
    bodyLimitBytes: runtime.settings.server.body_limit_bytes,
    ...(withRequestLogs ? { logger: runtime.logger } : {}),
  };
}
