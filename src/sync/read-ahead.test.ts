import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAhead } from './read-ahead.js';

/** A source that records when each item's read starts and whether it was closed. */
function recorder(items: number, failAt: number | null = null) {
  const started: number[] = [];
  const state = { closed: false, finished: false };
  async function* source(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < items; i += 1) {
        started.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (i === failAt) throw new Error(`read ${i} failed`);
        yield i;
      }
      state.finished = true;
    } finally {
      state.closed = true;
    }
  }
  return { source: source(), started, state };
}

describe('readAhead', () => {
  it('hands out every item in order while the next one is already being read', async () => {
    const { source, started, state } = recorder(4);
    const seen: number[] = [];
    const readWhileBusy: number[] = [];
    for await (const item of readAhead(source)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      // While the caller worked on `item`, the read of item + 1 had started.
      readWhileBusy.push(started.length - 1);
      seen.push(item);
    }
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.deepEqual(readWhileBusy, [1, 2, 3, 3]);
    assert.equal(state.finished, true);
  });

  it('throws a failed read at the step that would have returned it', async () => {
    const { source } = recorder(4, 2);
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const item of readAhead(source)) seen.push(item);
    }, /read 2 failed/);
    assert.deepEqual(seen, [0, 1]);
  });

  it("reports the caller's own failure, waits for the read under way and closes the source", async () => {
    const { source, state } = recorder(5, 1);
    await assert.rejects(async () => {
      for await (const item of readAhead(source)) {
        // Item 1's read fails while item 0 is being worked on; the caller fails too.
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error(`write of ${item} failed`);
      }
    }, /write of 0 failed/);
    assert.equal(state.closed, true);
  });

  it('closes the source when the caller stops early', async () => {
    const { source, state } = recorder(5);
    for await (const item of readAhead(source)) if (item === 1) break;
    assert.equal(state.closed, true);
    assert.equal(state.finished, false);
  });
});
