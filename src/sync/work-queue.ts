/**
 * The lanes' shared work: tables in copy order, and the parts of a started table pushed to the front
 * (so a table's parts run together and the lanes end together). A lane that finds the queue empty
 * while another lane still works on an item waits: that item (a table being prepared) may add parts.
 */
export class WorkQueue<T> {
  readonly #items: T[];
  /** Items taken and not yet released. */
  #active = 0;
  #waiters: Array<() => void> = [];

  constructor(items: readonly T[]) {
    this.#items = [...items];
  }

  /**
   * The next item, to be released when done with; undefined when none is left and none can come.
   * Throws when `signal` aborts.
   */
  async take(signal: AbortSignal): Promise<T | undefined> {
    for (;;) {
      signal.throwIfAborted();
      const next = this.#items.shift();
      if (next !== undefined) {
        this.#active += 1;
        return next;
      }
      if (this.#active === 0) return undefined;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** The item taken last by this caller is done: waiting lanes look again. */
  release(): void {
    this.#active -= 1;
    this.#wake();
  }

  pushFront(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items.unshift(...items);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
