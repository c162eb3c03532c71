import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';

/**
 * The demo's sample SQLite database: a small shop with a few hundred thousand rows of varied types
 * (integers, REAL, text with emoji, CJK, quotes and newlines, BLOBs with NUL bytes, NULLs, JSON text,
 * a composite primary key, a foreign key and a table without a primary key), so that the demo
 * exercises what a real copy must get right. Deterministic: the same seed gives the same bytes.
 */

export interface SampleTable {
  readonly name: string;
  readonly rows: number;
}

export const SAMPLE_TABLES: readonly SampleTable[] = [
  { name: 'customers', rows: 50_000 },
  { name: 'products', rows: 5_000 },
  { name: 'orders', rows: 100_000 },
  { name: 'order_items', rows: 250_000 },
  { name: 'audit_log', rows: 20_000 },
];

const SCHEMA = `
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  country TEXT NOT NULL,
  balance REAL NOT NULL DEFAULT 0,
  vip INTEGER NOT NULL DEFAULT 0,
  notes TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  weight_kg REAL,
  thumbnail BLOB
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  status TEXT NOT NULL CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')),
  total REAL NOT NULL,
  payload TEXT,
  ordered_at TEXT NOT NULL
);
CREATE INDEX ix_orders_customer ON orders(customer_id);
CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  line_no INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL,
  unit_price_cents INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
CREATE TABLE audit_log (
  at TEXT NOT NULL,
  actor TEXT,
  message TEXT NOT NULL
);
`;

/** mulberry32: a tiny seeded PRNG, so the sample is the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ana', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'Fatima', 'Gábor', 'Hiroshi', 'Ines', "O'Brien", 'José', 'Łukasz', '张伟', 'Zoë'];
const LAST = ['Silva', 'Müller', 'Dubois', 'Ivanov', 'Kim', 'Haddad', 'Nagy', 'Tanaka', 'García', 'Nowak', '李', 'Smith'];
const COUNTRIES = ['PT', 'DE', 'FR', 'UA', 'KR', 'MA', 'HU', 'JP', 'ES', 'PL', 'CN', 'US'];
const NOTES = [null, null, 'prefers email 📧', 'VIP since 2019 ⭐', 'line one\nline two', 'says "hello"; uses quotes', '退货请联系客服', 'tab\there'];
const STATUSES = ['new', 'paid', 'shipped', 'cancelled'];
const DAY_MS = 86_400_000;
const EPOCH = Date.UTC(2024, 0, 1);

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** Builds the sample at `path` (into a temporary file, renamed when complete). */
export function createSampleDatabase(path: string, seed = 20_261_203): void {
  mkdirSync(dirname(path), { recursive: true });
  const building = `${path}.building`;
  rmSync(building, { force: true });
  const db = new SqliteDatabase(building);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA);
    const random = prng(seed);
    const fill = db.transaction(() => {
      const customer = db.prepare('INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (let id = 1; id <= rowsOf('customers'); id += 1) {
        const name = `${pick(random, FIRST)} ${pick(random, LAST)}`;
        const at = new Date(EPOCH + Math.floor(random() * 700 * DAY_MS)).toISOString();
        customer.run(id, name, `customer${id}@example.test`, pick(random, COUNTRIES), Math.round(random() * 1e6) / 100, random() < 0.1 ? 1 : 0, pick(random, NOTES), at);
      }
      const product = db.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)');
      for (let id = 1; id <= rowsOf('products'); id += 1) {
        const thumb = random() < 0.2 ? null : Buffer.from(Array.from({ length: 16 + Math.floor(random() * 48) }, () => Math.floor(random() * 256)));
        product.run(id, `SKU-${String(id).padStart(6, '0')}`, `Product ${id} ${pick(random, ['☕', '📦', '🚲', 'Ω', ''])}`, 100 + Math.floor(random() * 99_900), random() < 0.1 ? null : random() * 20, thumb);
      }
      const order = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)');
      const item = db.prepare('INSERT INTO order_items VALUES (?, ?, ?, ?, ?)');
      let items = 0;
      const itemRows = rowsOf('order_items');
      const orderRows = rowsOf('orders');
      for (let id = 1; id <= orderRows; id += 1) {
        const lines = id === orderRows ? itemRows - items : Math.min(itemRows - items, 1 + Math.floor(random() * 4));
        const lineValues = Array.from({ length: lines }, (_, index) => ({
          line: index + 1,
          product: 1 + Math.floor(random() * rowsOf('products')),
          quantity: 1 + Math.floor(random() * 5),
          price: 100 + Math.floor(random() * 9_900),
        }));
        const total = lineValues.reduce((sum, l) => sum + l.price * l.quantity, 0);
        const payload = random() < 0.3 ? null : JSON.stringify({ channel: pick(random, ['web', 'app', 'phone']), coupon: random() < 0.2 ? 'WELCOME10' : null, note: pick(random, NOTES) });
        order.run(id, 1 + Math.floor(random() * rowsOf('customers')), pick(random, STATUSES), total / 100, payload, new Date(EPOCH + Math.floor(random() * 700 * DAY_MS)).toISOString());
        for (const l of lineValues) item.run(id, l.line, l.product, l.quantity, l.price);
        items += lines;
      }
      const audit = db.prepare('INSERT INTO audit_log VALUES (?, ?, ?)');
      for (let n = 0; n < rowsOf('audit_log'); n += 1) {
        audit.run(new Date(EPOCH + n * 60_000).toISOString(), random() < 0.2 ? null : `user${Math.floor(random() * 50)}`, `event ${n}: ${pick(random, ['login', 'logout', 'refund', 'export'])}`);
      }
    });
    fill();
  } finally {
    db.close();
  }
  rmSync(path, { force: true });
  renameSync(building, path);
}

function rowsOf(name: string): number {
  return SAMPLE_TABLES.find((t) => t.name === name)?.rows ?? 0;
}

export function sampleExists(path: string): boolean {
  return existsSync(path);
}
