import { DbfError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import type { SecretSealer } from '../secrets/secret-box.js';
import type { StoreDb } from '../store/open-store.js';
import { isUniqueViolation } from '../store/store-errors.js';
import type { ConnectionService } from './connection-service.js';
import { exportConfig } from './config-export.js';
import { configFileSchema, importRequestSchema } from './config-file.js';
import type { ExportFile } from './config-file.js';
import { planImport } from './config-import-plan.js';
import type { ImportPlan, PlannedImport } from './config-import-plan.js';
import { insertConfig, replaceConfig } from './sync-config-rows.js';
import type { SyncConfigService } from './sync-config-service.js';

export interface ConfigTransferDeps {
  readonly db: StoreDb;
  readonly secrets: SecretSealer;
  readonly connections: ConnectionService;
  readonly configs: SyncConfigService;
  readonly now: () => number;
}

export interface ImportResult extends ImportPlan {
  readonly dry_run: boolean;
  /** Whether anything was written (false for a dry run and for an import that changes nothing). */
  readonly applied: boolean;
}

export interface ValidationResult extends ImportPlan {
  readonly valid: true;
}

/**
 * `config export`, `import` and `validate` (API and CLI). Export: see config-export.ts. An import
 * opens one store transaction, plans the whole file inside it (config-import-plan.ts: every check
 * before any write, against the store as it is at that moment) and writes the plan, all or nothing.
 * Validate and dry runs plan the same way and write nothing. Idempotent by name: importing the same
 * file again finds everything unchanged and writes nothing. Items in the store but not in the file
 * are left alone.
 */
export class ConfigTransferService {
  constructor(private readonly deps: ConfigTransferDeps) {}

  /** `GET /config/export`. */
  export(): Promise<ExportFile> {
    return exportConfig({ connections: () => this.deps.connections.list(), configs: () => this.deps.configs.list(), now: this.deps.now });
  }

  /** `POST /config/validate`: the file as an import would see it, with what it would change. */
  async validate(file: unknown): Promise<ValidationResult> {
    const parsed = parseInput(configFileSchema, file, 'DBF_INVALID_IMPORT', 'config');
    const { plan } = await planImport(this.deps.db, parsed, { secrets: this.deps.secrets, now: this.deps.now() });
    return { valid: true, ...plan };
  }

  /** `POST /config/import {config, resolve_conflicts, dry_run}`. */
  async import(body: unknown): Promise<ImportResult> {
    const request = parseInput(importRequestSchema, body, 'DBF_INVALID_IMPORT');
    const now = this.deps.now();
    if (request.dry_run) {
      const { plan } = await planImport(this.deps.db, request.config, { secrets: this.deps.secrets, now });
      return { dry_run: true, applied: false, ...plan };
    }
    try {
      return await this.deps.db.transaction().execute(async (trx) => {
        const planned = await planImport(trx, request.config, { secrets: this.deps.secrets, now });
        const { conflicts } = planned.plan;
        if (conflicts.length > 0 && !request.resolve_conflicts) {
          throw new DbfError(
            'DBF_IMPORT_CONFLICT',
            `the import would change ${conflicts.join(', ')}, which already exist${conflicts.length === 1 ? 's' : ''}: look with dry_run, then import with resolve_conflicts to update ${conflicts.length === 1 ? 'it' : 'them'}; nothing was written`,
            { details: { conflicts } },
          );
        }
        const applied = await this.write(trx, planned, now);
        return { dry_run: false, applied, ...planned.plan };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DbfError('DBF_DUPLICATE_NAME', 'a connection or sync config of the file was saved by someone else during the import; nothing was written: import again', { cause: error });
      throw error;
    }
  }

  private async write(trx: StoreDb, planned: PlannedImport, now: number): Promise<boolean> {
    let applied = false;
    for (const step of planned.connections) {
      if (step.change.action === 'create') await trx.insertInto('connections').values(step.row).execute();
      if (step.change.action === 'update') await trx.updateTable('connections').set(step.row).where('id', '=', step.row.id).execute();
      applied ||= step.change.action !== 'unchanged';
    }
    for (const step of planned.configs) {
      if (step.change.action === 'create') await insertConfig(trx, step.id, step.resolved, now);
      if (step.change.action === 'update' && step.existing) await replaceConfig(trx, step.existing, step.resolved, now);
      applied ||= step.change.action !== 'unchanged';
    }
    return applied;
  }
}
