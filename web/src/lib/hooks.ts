import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { JobEvent } from '../api/types.js';
import { onJobEvent, onLiveStatus } from '../live/live-hub.js';

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile (no flicker on live refreshes). */
  readonly reload: () => void;
}

/** Runs `load` on mount and whenever `deps` change; an answer that arrives after a newer request is dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === seq.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (mine === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, []);
  useEffect(reload, deps);
  return { ...state, reload };
}

/**
 * Calls `refresh` when a matching job event arrives (or the stream reconnects), at most once per
 * `throttleMs` with a trailing call, so a burst of heartbeats costs one request, not one each.
 */
export function useLiveRefresh(refresh: () => void, match: (event: JobEvent) => boolean, throttleMs = 1000): void {
  const refreshRef = useRef(refresh);
  const matchRef = useRef(match);
  refreshRef.current = refresh;
  matchRef.current = match;
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const fire = (): void => {
      const wait = last + throttleMs - Date.now();
      if (wait <= 0) {
        last = Date.now();
        refreshRef.current();
      } else {
        timer ??= setTimeout(() => {
          timer = null;
          last = Date.now();
          refreshRef.current();
        }, wait);
      }
    };
    const offEvent = onJobEvent((event) => {
      if (matchRef.current(event)) fire();
    });
    const offStatus = onLiveStatus((status) => {
      if (status === 'live') fire();
    });
    return () => {
      offEvent();
      offStatus();
      if (timer !== null) clearTimeout(timer);
    };
  }, [throttleMs]);
}

/** Every job event, for views that keep their own series (the rows/s chart). */
export function useJobEvents(handler: (event: JobEvent) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => onJobEvent((event) => ref.current(event)), []);
}

/** The time now, ticking every `ms` (ages such as "heartbeat 3 s ago" need no request). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
