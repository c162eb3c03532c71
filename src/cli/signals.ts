/**
 * SIGINT/SIGTERM for long-running commands (`worker`, `--wait`, `watch`, `logs --follow`). The handlers
 * are removed again by `dispose`, so a command run in-process (tests) leaves no listener behind and
 * the process keeps Node's default behaviour once the command is over.
 */
export interface SignalWatch {
  /** Resolves with the first SIGINT or SIGTERM received while the watch is in place. */
  readonly received: Promise<NodeJS.Signals>;
  /** Aborted (with the signal's name as reason) when a signal arrives. */
  readonly signal: AbortSignal;
  dispose(): void;
}

export function watchSignals(): SignalWatch {
  const controller = new AbortController();
  let onSignal: (name: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (name) => {
      if (!controller.signal.aborted) controller.abort(name);
      resolve(name);
    };
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    received,
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** Waits `ms`, or less when `signal` aborts; never rejects (the caller checks `signal.aborted`). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
