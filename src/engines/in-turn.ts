/**
 * Work that must not overlap for one key (a target database's DDL, a SQLite file's writes) runs in
 * turn, in the order it was asked for, within this process. Each engine keeps its own queues.
 */
export class InTurn {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => T | Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    // The queue only orders the work and goes on after a failure; the caller gets the result or the
    // error from `result`.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
