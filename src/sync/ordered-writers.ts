/**
 * Applies a stream of batches on up to `most` writers at once and reports them in order.
 *
 * Each batch goes to a free writer; when every writer is busy, the next batch waits (and the read
 * ahead of the caller's iterable fills the time). Writers beyond the first are opened only when a
 * batch finds every open one busy, so a run of one batch never opens a second. `committed` is called
 * for the batches in the order they arrived, each only once it and every batch before it were
 * applied: a mark saved there never covers a batch that is not written yet.
 *
 * A failure (of a batch, of `committed`, or of the iterable) stops taking batches; the batches still
 * being applied are awaited, the ones applied in order before the first failed batch are reported,
 * and the first error is thrown. Any failure after it (another batch in flight, reporting the batches
 * before it) goes to `alsoFailed`, so that it is told, not lost.
 */

export interface OrderedWriters<W, T, R> {
  readonly first: W;
  /** At most this many writers at once (1: batches one after another on `first`). */
  readonly most: number;
  /** Opens another writer; null when it could not be opened (the batches go on with those open). */
  readonly open: () => Promise<W | null>;
  readonly apply: (writer: W, batch: T) => Promise<R>;
  readonly committed: (batch: T, result: R) => Promise<void>;
  /** A failure after the first, which is the one thrown. */
  readonly alsoFailed: (error: unknown) => void;
}

export async function applyInOrder<W, T, R>(batches: AsyncIterable<T>, writers: OrderedWriters<W, T, R>): Promise<void> {
  const idle: W[] = [writers.first];
  let opened = 1;
  let canOpen = writers.most > 1;
  const done = new Map<number, { batch: T; result: R }>();
  const running = new Map<number, Promise<void>>();
  let arrived = 0;
  let reported = 0;
  // The first failure is thrown at the end; any later one is handed to alsoFailed as it happens.
  const failures: unknown[] = [];
  const fail = (error: unknown): void => {
    if (failures.length > 0) writers.alsoFailed(error);
    failures.push(error);
  };

  const report = async (): Promise<void> => {
    for (let next = done.get(reported); next !== undefined; next = done.get(reported)) {
      done.delete(reported);
      reported += 1;
      await writers.committed(next.batch, next.result);
    }
  };
  const freeWriter = async (): Promise<W | null> => {
    for (;;) {
      // A failed batch gives its writer back to no one: stop before waiting for a writer.
      if (failures.length > 0) return null;
      const writer = idle.pop();
      if (writer !== undefined) return writer;
      if (canOpen && opened < writers.most) {
        const more = await writers.open();
        if (more !== null) {
          opened += 1;
          return more;
        }
        canOpen = false;
        // A writer may have come free while another was being opened.
        continue;
      }
      // Every open writer is busy (none is lost without a failure): wait for one.
      await Promise.race(running.values());
      await report();
    }
  };

  try {
    for await (const batch of batches) {
      const writer = await freeWriter();
      if (writer === null) break;
      const index = arrived;
      arrived += 1;
      const applying = writers.apply(writer, batch).then(
        (result) => {
          done.set(index, { batch, result });
          idle.push(writer);
        },
        (error: unknown) => fail(error),
      ).finally(() => running.delete(index));
      running.set(index, applying);
      await report();
      if (failures.length > 0) break;
    }
  } catch (error) {
    fail(error);
  }
  await Promise.all(running.values());
  // What was applied in order before a failure is still reported: its mark is safe to keep.
  await report().catch(fail);
  if (failures.length > 0) throw failures[0];
}
