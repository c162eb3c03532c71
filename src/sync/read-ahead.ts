/**
 * Iterates `source` one item ahead: while the caller works on an item (an incremental batch being
 * written to the target), the next one is already being read (from the source, on its own
 * connection). At most one item is held beyond the one handed out, so memory stays at two batches.
 *
 * A read that fails while the caller is busy is not lost: it is thrown at the next step. When the
 * caller stops early (an error, a break), the iterator is closed, and a read still under way is
 * awaited first so that it cannot fail unobserved or use a connection after the caller released it.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<T>> | null = iterator.next();
  try {
    for (;;) {
      const current: IteratorResult<T> = await next;
      next = null;
      if (current.done === true) return;
      next = iterator.next();
      // Marked as observed now: if the caller fails before awaiting it, `finally` awaits it.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    if (next !== null) {
      const pending = next;
      next = null;
      // A failed read ahead while the caller itself stopped: the caller's reason is what is reported.
      const settled = await pending.then((result) => ({ done: result.done === true }), () => ({ done: true }));
      if (!settled.done) await iterator.return?.();
    }
  }
}
