import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount, formatCounted } from './job-format.js';

test('formatCount groups like en-US toLocaleString, without loading Intl', () => {
  for (const n of [0, 7, 999, 1_000, 12_345, 1_993_341, 1_000_000, -1_234.5, 0.1234, 6_356.789, 12.5]) {
    assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
  }
});

test('formatCounted puts the noun in the plural unless the count is one', () => {
  assert.equal(formatCounted(1, 'table'), '1 table');
  assert.equal(formatCounted(0, 'table'), '0 tables');
  assert.equal(formatCounted(1200, 'table'), '1,200 tables');
  assert.equal(formatCounted(2, 'index', 'indexes'), '2 indexes');
});
