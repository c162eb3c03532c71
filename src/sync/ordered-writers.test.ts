import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyInOrder } from './ordered-writers.js';

async function* items<T>(values: readonly T[], failAfter?: { index: number; error: Error }): AsyncGenerator<T> {
  for (const [i, value] of values.entries()) {
    if (failAfter !== undefined && i === failAfter.index) throw failAfter.error;
    yield value;
  }
}

/** A writer that records what it applied and when, each batch taking `ms[batch]` milliseconds. */
function recorder(ms: Record<number, number>) {
  const log: string[] = [];
  let busy = 0;
  let mostBusy = 0;
  const apply = async (writer: string, batch: number): Promise<number> => {
    busy += 1;
    mostBusy = Math.max(mostBusy, busy);
    log.push(`${writer} start ${batch}`);
    await sleep(ms[batch] ?? 1);
    busy -= 1;
    log.push(`${writer} end ${batch}`);
    return batch * 10;
  };
  return { log, apply, mostBusy: () => mostBusy };
}

/** For runs with at most one failure: a second one fails the test. */
function noSecondFailure(error: unknown): never {
  assert.fail(`a second failure: ${String(error)}`);
}

describe('applyInOrder', () => {
  test('batches are reported in their order, each only once every batch before it was applied', async () => {
    const r = recorder({ 0: 60, 1: 5, 2: 5 });
    const committed: Array<[number, number]> = [];
    await applyInOrder(items([0, 1, 2]), {
      first: 'a', most: 2, open: async () => 'b', apply: r.apply,
      committed: async (batch, result) => {
        assert.ok(r.log.includes(`a end 0`), 'nothing is reported before the first batch is applied');
        committed.push([batch, result]);
      },
      alsoFailed: noSecondFailure,
    });
    assert.deepEqual(committed, [[0, 0], [1, 10], [2, 20]]);
    assert.equal(r.mostBusy(), 2);
    assert.ok(r.log.indexOf('b end 1') < r.log.indexOf('a end 0'), 'the second writer applied batch 1 while batch 0 was still being written');
  });

  test('a second writer is opened only when a batch finds the first busy, and never beyond `most`', async () => {
    let opens = 0;
    const open = async (): Promise<string> => `w${(opens += 1)}`;
    const single = recorder({});
    await applyInOrder(items([0]), { first: 'a', most: 2, open, apply: single.apply, committed: async () => undefined, alsoFailed: noSecondFailure });
    assert.equal(opens, 0, 'one batch: no second writer');

    const many = recorder({ 0: 20, 1: 20, 2: 20, 3: 20, 4: 20 });
    await applyInOrder(items([0, 1, 2, 3, 4]), { first: 'a', most: 2, open, apply: many.apply, committed: async () => undefined, alsoFailed: noSecondFailure });
    assert.equal(opens, 1);
    assert.equal(many.mostBusy(), 2);

    const one = recorder({ 0: 10, 1: 10 });
    await applyInOrder(items([0, 1]), { first: 'a', most: 1, open, apply: one.apply, committed: async () => undefined, alsoFailed: noSecondFailure });
    assert.equal(opens, 1, 'most 1: nothing opened');
    assert.equal(one.mostBusy(), 1);
  });

  test('a writer that cannot be opened leaves the batches to the first, even if it comes free while opening', async () => {
    const r = recorder({ 0: 5, 1: 5, 2: 5 });
    let asked = 0;
    const committed: number[] = [];
    await applyInOrder(items([0, 1, 2]), {
      first: 'a', most: 2,
      open: async () => {
        asked += 1;
        await sleep(30); // the first writer finishes batch 0 meanwhile
        return null;
      },
      apply: r.apply,
      committed: async (batch) => void committed.push(batch),
      alsoFailed: noSecondFailure,
    });
    assert.equal(asked, 1, 'not asked again after it failed once');
    assert.deepEqual(committed, [0, 1, 2]);
    assert.equal(r.mostBusy(), 1);
  });

  test('a failed batch stops the run: later batches are not taken, the ones in flight finish, only those before it are reported', async () => {
    const taken: number[] = [];
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 10; i += 1) {
        taken.push(i);
        yield i;
      }
    }
    const ended: number[] = [];
    const committed: number[] = [];
    await assert.rejects(
      applyInOrder(source(), {
        first: 'a', most: 2, open: async () => 'b',
        apply: async (_writer, batch) => {
          await sleep(batch === 0 ? 40 : 5);
          if (batch === 1) throw new Error('batch 1 failed');
          ended.push(batch);
          return batch;
        },
        committed: async (batch) => void committed.push(batch),
        alsoFailed: noSecondFailure,
      }),
      /batch 1 failed/,
    );
    assert.deepEqual(committed, [0], 'batch 0 (applied) is reported; nothing after the failed batch');
    assert.ok(ended.includes(0), 'the batch in flight was awaited');
    assert.ok(taken.length <= 4, `batches stop being taken after the failure (took ${taken.length})`);
  });

  test('two batches failing at once: the first failure is thrown, the other is handed to alsoFailed', async () => {
    const also: unknown[] = [];
    await assert.rejects(
      applyInOrder(items([0, 1]), {
        first: 'a', most: 2, open: async () => 'b',
        apply: async (_writer, batch) => {
          await sleep(batch === 0 ? 5 : 30);
          throw new Error(`batch ${batch} failed`);
        },
        committed: async () => assert.fail('nothing was applied'),
        alsoFailed: (error) => void also.push(error),
      }),
      /batch 0 failed/,
    );
    assert.deepEqual(also.map((e) => (e instanceof Error ? e.message : e)), ['batch 1 failed']);
  });

  test('a failed read ends the run after the batches in flight, with the read\'s error', async () => {
    const committed: number[] = [];
    await assert.rejects(
      applyInOrder(items([0, 1, 2], { index: 2, error: new Error('the read failed') }), {
        first: 'a', most: 2, open: async () => 'b',
        apply: async (_writer, batch) => {
          await sleep(20);
          return batch;
        },
        committed: async (batch) => void committed.push(batch),
        alsoFailed: noSecondFailure,
      }),
      /the read failed/,
    );
    assert.deepEqual(committed, [0, 1]);
  });

  test('a failure to record a batch stops the run with that error', async () => {
    await assert.rejects(
      applyInOrder(items([0, 1, 2, 3]), {
        first: 'a', most: 1, open: async () => null, apply: async (_w, batch) => batch,
        committed: async (batch) => {
          if (batch === 1) throw new Error('the store is gone');
        },
        alsoFailed: noSecondFailure,
      }),
      /the store is gone/,
    );
  });
});
