import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

/**
 * The real servers the integration tests use (this machine runs them; scripts/test-services.sh starts
 * them on a fresh one). Override with DBFERRY_TEST_MYSQL_URL / DBFERRY_TEST_POSTGRES_URL.
 * Every test gets databases with random names, dropped afterwards.
 */
export const MYSQL_URL = process.env.DBFERRY_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const POSTGRES_URL = process.env.DBFERRY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * A second MySQL account with every privilege, for targets: a copy whose target user differs from its
 * source user cannot take the same-server fast path, so tests reach the client path (LOAD DATA) on
 * the one test server by writing as this user.
 */
export async function mysqlWriterUrl(): Promise<string> {
  await withMysqlAdmin(async (conn) => {
    await conn.query("CREATE USER IF NOT EXISTS 'dbferry_writer'@'127.0.0.1' IDENTIFIED BY 'writer-secret'");
    await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'dbferry_writer'@'127.0.0.1'");
  });
  const url = new URL(MYSQL_URL);
  return `mysql://dbferry_writer:writer-secret@${url.host}`;
}

export function randomName(prefix = 'dbf_test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface TempDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function withMysqlAdmin<T>(work: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const conn = await createConnection({ uri: MYSQL_URL, multipleStatements: true, charset: 'utf8mb4' });
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

export async function createMysqlDatabase(setupSql?: string): Promise<TempDatabase> {
  const name = randomName();
  await withMysqlAdmin(async (conn) => {
    await conn.query(`CREATE DATABASE \`${name}\``);
    if (setupSql) await conn.query(`USE \`${name}\`; ${setupSql}`);
  });
  return {
    name,
    url: `${MYSQL_URL}/${name}`,
    drop: () => withMysqlAdmin(async (conn) => void (await conn.query(`DROP DATABASE IF EXISTS \`${name}\``))),
  };
}

export async function withPostgresAdmin<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${POSTGRES_URL}/${database}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createPostgresDatabase(setupSql?: string): Promise<TempDatabase> {
  const name = randomName();
  await withPostgresAdmin('postgres', (c) => c.query(`CREATE DATABASE "${name}"`));
  if (setupSql) await withPostgresAdmin(name, (c) => c.query(setupSql));
  return {
    name,
    url: `${POSTGRES_URL}/${name}`,
    drop: () => withPostgresAdmin('postgres', async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
