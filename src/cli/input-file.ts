import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DbfError, oneLine } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';

/** Reads a sync config (or test job) file: JSON or YAML (JSON is YAML, so one parser reads both). */
export function readConfigFile(path: string, cwd: string, invalid: ErrorCode = 'DBF_INVALID_SYNC_CONFIG'): unknown {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new DbfError('DBF_FILE_UNREADABLE', `cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`, { cause: error });
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new DbfError(invalid, `${full} is neither valid JSON nor YAML: ${oneLine(error instanceof Error ? error.message : String(error))}`, { cause: error });
  }
}
