import { authHeaders, requireAuth } from '../api/auth.js';
import { API_BASE } from '../api/client.js';
import type { JobEvent } from '../api/types.js';
import { SseParser } from './sse-parser.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface EventStreamHandlers {
  readonly onEvent: (event: JobEvent) => void;
  readonly onStatus: (status: StreamStatus, detail?: string) => void;
}

const MAX_RETRY_MS = 15_000;

/**
 * The one live connection of the dashboard: `GET /api/sync/events` read with fetch (so the bearer
 * token goes along), reconnected after the server's `retry:` delay (backing off up to 15 s), and
 * resumed with `Last-Event-ID` so no event is lost across a reconnect.
 */
export class EventStream {
  #controller: AbortController | null = null;
  #lastId: string | null = null;
  #retryMs = 2000;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = true;

  constructor(private readonly handlers: EventStreamHandlers) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#controller?.abort();
    this.#controller = null;
  }

  /** After a new token: connect again at once. */
  restart(): void {
    this.stop();
    this.start();
  }

  async #connect(): Promise<void> {
    const controller = new AbortController();
    this.#controller = controller;
    this.handlers.onStatus(this.#lastId === null ? 'connecting' : 'reconnecting');
    try {
      const response = await fetch(`${API_BASE}/events`, {
        headers: { accept: 'text/event-stream', ...authHeaders(), ...(this.#lastId === null ? {} : { 'last-event-id': this.#lastId }) },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (response.status === 401) {
        requireAuth();
        this.handlers.onStatus('unauthorized');
        return; // restart() follows a new token.
      }
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      this.#failures = 0;
      this.handlers.onStatus('live');
      const parser = new SseParser(
        (message) => {
          if (message.id !== null) this.#lastId = message.id;
          this.#dispatch(message.data);
        },
        (ms) => {
          this.#retryMs = ms;
        },
      );
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      this.#schedule('the server closed the stream');
    } catch (error) {
      if (controller.signal.aborted) return; // stop() or restart(): nothing to report.
      this.#failures += 1;
      this.#schedule(error instanceof Error ? error.message : String(error));
    }
  }

  #dispatch(data: string): void {
    let event: JobEvent;
    try {
      event = JSON.parse(data) as JobEvent;
    } catch (error) {
      console.warn('dbferry: an event that is not JSON was skipped', error);
      return;
    }
    this.handlers.onEvent(event);
  }

  #schedule(reason: string): void {
    if (this.#stopped) return;
    this.handlers.onStatus('reconnecting', reason);
    const delay = Math.min(MAX_RETRY_MS, this.#retryMs * 2 ** Math.min(this.#failures, 3));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#stopped) void this.#connect();
    }, delay);
  }
}
