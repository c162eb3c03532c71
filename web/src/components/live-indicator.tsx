import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { liveStatus, onLiveStatus } from '../live/live-hub.js';

const LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'Token needed' } as const;

/** The state of the event stream, so a user knows whether what they see is live. */
export function LiveIndicator(): JSX.Element {
  const [state, setState] = useState(liveStatus);
  useEffect(() => {
    const off = onLiveStatus((status, detail) => setState({ status, detail }));
    setState(liveStatus()); // a change between the first render and this effect is not missed
    return off;
  }, []);
  return (
    <span class={`live live-${state.status}`} title={state.detail ?? 'job events from /api/sync/events'} data-live={state.status}>
      <span class="live-dot" aria-hidden="true" />
      {LABELS[state.status]}
    </span>
  );
}
