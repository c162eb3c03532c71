import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignKeyOrder } from './table-order.js';

const t = (name: string, size: number, ...refs: string[]) => ({ name, size, refs });
const order = (items: ReturnType<typeof t>[]) => foreignKeyOrder(items, (i) => i.name, (i) => i.refs, (i) => i.size).map((i) => i.name);

test('parents come before their children; otherwise the largest table first, ties in the given order', () => {
  assert.deepEqual(order([t('rental', 50, 'inventory', 'customer'), t('actor', 1), t('inventory', 5, 'film'), t('film', 2), t('customer', 5)]), ['customer', 'film', 'inventory', 'rental', 'actor']);
});

test('a big child waits for its small parent, then goes before smaller free tables', () => {
  assert.deepEqual(order([t('small', 1), t('parent', 2), t('child', 100, 'parent'), t('mid', 10)]), ['mid', 'parent', 'child', 'small']);
});

test('a reference to a table not being copied, or to itself, is ignored; a cycle is broken at the largest', () => {
  assert.deepEqual(order([t('a', 1, 'b'), t('b', 3, 'a'), t('c', 2, 'elsewhere', 'c')]), ['c', 'b', 'a']);
});
