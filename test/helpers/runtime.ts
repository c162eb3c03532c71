import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/api/app.js';
import { appDepsOf, openRuntime } from '../../src/composition.js';
import type { Runtime } from '../../src/composition.js';
import { loadSettings } from '../../src/config/settings.js';

export interface TestRuntime {
  readonly home: string;
  readonly runtime: Runtime;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** A runtime on a fresh home (SQLite store by default) with the API built on it, silent logs. */
export async function createTestRuntime(options: { store?: string; settings?: Record<string, string | number | boolean> } = {}): Promise<TestRuntime> {
  const home = mkdtempSync(join(tmpdir(), 'dbferry-test-'));
  const settings = loadSettings({ env: {}, cwd: home, flags: { home, store: options.store, ...options.settings } });
  const runtime = await openRuntime(settings, pino({ level: 'silent' }));
  const app = await buildApp(appDepsOf(runtime, false));
  return {
    home,
    runtime,
    app,
    close: async () => {
      await app.close();
      await runtime.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface ApiReply {
  readonly status: number;
  readonly body: { success: boolean; data?: unknown; meta?: Record<string, unknown>; error?: { code: string; message: string } };
  readonly text: string;
}

/** Calls the API in-process and parses the envelope. */
export async function call(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as string | object }) });
  return { status: response.statusCode, body: response.json(), text: response.body };
}

/** The data of a successful reply, typed by the caller. */
export function dataOf<T>(reply: ApiReply): T {
  if (!reply.body.success) throw new Error(`expected success, got ${reply.status} ${reply.text}`);
  return reply.body.data as T;
}
