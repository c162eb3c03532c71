import { DbfError } from '../domain/errors.js';
import type { Task } from './task.js';

/**
 * Jobs of sync configs run the `sync` task. Until the copy engine lands, a worker that claims one
 * fails it honestly with DBF_NOT_IMPLEMENTED instead of leaving it pending forever or pretending.
 */
export const syncTaskPlaceholder: Task = {
  name: 'sync',
  run(): Promise<void> {
    return Promise.reject(new DbfError('DBF_NOT_IMPLEMENTED', 'copying tables (the copy engine) has not landed yet'));
  },
};
