import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { JobEvent } from '../api/types.js';
import { Empty } from '../components/notice.js';
import { time } from '../lib/format.js';

const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;
const SHOWN = 500;

/** A job's log, oldest first; debug (progress pulses, heartbeats) hidden unless asked for. */
export function JobLog({ events, truncated }: { readonly events: readonly JobEvent[]; readonly truncated: boolean }): JSX.Element {
  const [level, setLevel] = useState<keyof typeof RANK>('info');
  const kept = events.filter((e) => RANK[e.level] >= RANK[level]);
  const shown = kept.slice(-SHOWN);
  return (
    <div class="job-log">
      <div class="filters">
        <label>
          Level
          <select name="log_level" value={level} onChange={(e) => setLevel(e.currentTarget.value as keyof typeof RANK)}>
            <option value="debug">debug and up</option>
            <option value="info">info and up</option>
            <option value="warn">warnings and errors</option>
            <option value="error">errors</option>
          </select>
        </label>
        <span class="muted small">
          {kept.length} entries{kept.length > SHOWN ? `, the last ${SHOWN} shown` : ''}
          {truncated ? ' (the oldest were not loaded)' : ''}
        </span>
      </div>
      {shown.length === 0 ? (
        <Empty>No log entry at this level.</Empty>
      ) : (
        <ol class="log-lines">
          {shown.map((e) => (
            <li key={e.id} class={`log-line log-${e.level}`} data-type={e.type}>
              <time dateTime={e.at}>{time(e.at)}</time>
              <span class="log-level">{e.level}</span>
              <span class="log-type">{e.type}</span>
              <span class="log-message">
                {e.table_name && !e.message.includes(e.table_name) ? <span class="mono">[{e.table_name}] </span> : null}
                {e.message}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
