import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  test('an empty-handed taker waits while another works on an item, and takes what it adds', async () => {
    const queue = new WorkQueue(['table']);
    const signal = new AbortController().signal;
    assert.equal(await queue.take(signal), 'table');
    let second: string | undefined | null = null;
    const waiting = queue.take(signal).then((item) => (second = item));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(second, null, 'still waiting: the table may be cut into parts');
    queue.pushFront(['part 2']);
    assert.equal(await waiting, 'part 2');
    queue.release();
    queue.release();
    assert.equal(await queue.take(signal), undefined, 'nothing left and nothing active');
  });

  test('parts go before the tables not yet started', async () => {
    const queue = new WorkQueue(['a', 'b']);
    const signal = new AbortController().signal;
    assert.equal(await queue.take(signal), 'a');
    queue.pushFront(['a2', 'a3']);
    assert.deepEqual([await queue.take(signal), await queue.take(signal), await queue.take(signal)], ['a2', 'a3', 'b']);
  });

  test('a waiting taker gives up when the job is aborted', async () => {
    const queue = new WorkQueue(['a']);
    const controller = new AbortController();
    await queue.take(controller.signal);
    const waiting = queue.take(controller.signal);
    controller.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
  });
});
