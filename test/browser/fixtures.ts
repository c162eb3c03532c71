import assert from 'node:assert/strict';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { createMysqlDatabase, mysqlWriterUrl, randomName, withMysqlAdmin } from '../helpers/servers.js';
import type { TempDatabase } from '../helpers/servers.js';

/**
 * A MariaDB "shop" database for the browser tests: a few small tables for the pickers and plans,
 * and `events` (200k rows by default) so that a copy in batches of 5 runs long enough to be watched
 * and cancelled. Rows come from MariaDB's sequence engine, so building it takes a second.
 */
export async function createShop(eventRows = 200_000): Promise<TempDatabase> {
  return createMysqlDatabase(`
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120), created_at DATETIME NOT NULL);
    INSERT INTO customers SELECT seq, CONCAT('Customer ', seq), CONCAT('c', seq, '@example.com'), '2024-01-01' + INTERVAL seq MINUTE FROM seq_1_to_500;
    CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2) NOT NULL, updated_at DATETIME NOT NULL);
    INSERT INTO orders SELECT seq, 1 + seq % 500, seq % 997 / 10, '2024-02-01' + INTERVAL seq MINUTE FROM seq_1_to_2000;
    CREATE TABLE products (id INT PRIMARY KEY, title VARCHAR(80) NOT NULL);
    INSERT INTO products SELECT seq, CONCAT('Product ', seq) FROM seq_1_to_50;
    CREATE TABLE events (id INT PRIMARY KEY, kind VARCHAR(20) NOT NULL, payload VARCHAR(200) NOT NULL);
    INSERT INTO events SELECT seq, CONCAT('kind-', seq % 7), REPEAT('x', 150) FROM seq_1_to_${eventRows};
  `);
}

/** A target database name that each test drops afterwards (the job creates it). */
export function targetDatabase(): { readonly name: string; drop(): Promise<void> } {
  const name = randomName('dbf_browser_dst');
  return { name, drop: () => withMysqlAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS \`${name}\``))) };
}

/** The second MariaDB account: a target written as another user takes the client path (batches), not INSERT … SELECT. */
export async function writerAccount(): Promise<{ user: string; password: string }> {
  const url = new URL(await mysqlWriterUrl());
  return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** A SQLite file with a `notes` table (or an empty file for a target). */
export function sqliteFile(dir: string, name: string, rows = 0): string {
  const path = join(dir, name);
  const db = new SqliteDatabase(path);
  if (rows > 0) {
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO notes (id, body) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= rows; i += 1) insert.run(i, `note ${i}`);
    })();
  }
  db.close();
  return path;
}

export interface Envelope<T> {
  readonly status: number;
  readonly success: boolean;
  readonly data: T;
  readonly error?: { code: string; message: string };
}

/** A real HTTP call to the server under test (for setup and for checking what the UI did). */
export async function api<T>(origin: string, method: string, path: string, body?: unknown, token?: string): Promise<Envelope<T>> {
  const response = await fetch(`${origin}/api/sync${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as { success: boolean; data: T; error?: { code: string; message: string } };
  return { status: response.status, ...json };
}

export async function apiData<T>(origin: string, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await api<T>(origin, method, path, body);
  assert.ok(reply.success, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.error)}`);
  return reply.data;
}

/** Text of the first element matching `selector`, trimmed. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}
