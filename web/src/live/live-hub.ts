import type { JobEvent } from '../api/types.js';
import { EventStream } from './event-stream.js';
import type { StreamStatus } from './event-stream.js';

type EventListener = (event: JobEvent) => void;
type StatusListener = (status: StreamStatus, detail?: string) => void;

const eventListeners = new Set<EventListener>();
const statusListeners = new Set<StatusListener>();
let status: StreamStatus = 'connecting';
let detail: string | undefined;

/**
 * One event stream for the whole tab, shared by every page (many pages open never mean many
 * streams). Listeners are told of each event and of each status change; a (re)connect counts as
 * "something may have changed", so live views refresh once then.
 */
const stream = new EventStream({
  onEvent: (event) => {
    for (const listener of eventListeners) listener(event);
  },
  onStatus: (next, why) => {
    status = next;
    detail = why;
    for (const listener of statusListeners) listener(next, why);
  },
});

export function startLive(): void {
  stream.start();
}

export function restartLive(): void {
  stream.restart();
}

export function liveStatus(): { readonly status: StreamStatus; readonly detail: string | undefined } {
  return { status, detail };
}

export function onJobEvent(listener: EventListener): () => void {
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

export function onLiveStatus(listener: StatusListener): () => void {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}
