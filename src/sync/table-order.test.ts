import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignKeyOrder } from './table-order.js';

const t = (name: string, ...refs: string[]) => ({ name, refs });
const order = (items: ReturnType<typeof t>[]) => foreignKeyOrder(items, (i) => i.name, (i) => i.refs).map((i) => i.name);

test('parents come before their children, otherwise the given order', () => {
  assert.deepEqual(order([t('rental', 'inventory', 'customer'), t('actor'), t('inventory', 'film'), t('film'), t('customer')]), ['film', 'inventory', 'customer', 'rental', 'actor']);
});

test('a reference to a table not being copied is ignored, and a cycle keeps the given order', () => {
  assert.deepEqual(order([t('a', 'b'), t('b', 'a'), t('c', 'elsewhere')]), ['b', 'a', 'c']);
});
