import type { JSX } from 'preact';
import type { PlannedTable, SyncPlan } from '../api/types.js';
import { Notice } from '../components/notice.js';
import { bytes, count, counted } from '../lib/format.js';

/** How a table is read: an incremental table names its cursor and what its next run does (as the CLI's plan). */
function readOf(t: PlannedTable): string {
  if (t.incremental === null) return t.chunking;
  const cursor = t.cursor === null ? '?' : `${t.cursor.column} (${t.cursor.how}${t.cursor.indexed ? '' : ', not indexed'})`;
  return `incremental on ${cursor}: ${t.incremental}`;
}

/** The plan of the config's next job, as `POST /configs/:id/dry-run` answers it: nothing was changed. */
export function DryRunView({ plan }: { readonly plan: SyncPlan }): JSX.Element {
  const problems = plan.tables.filter((t) => t.problem !== null);
  return (
    <div class="dry-run">
      <dl class="plan-summary">
        <div>
          <dt>From</dt>
          <dd class="mono">{plan.source}</dd>
        </div>
        <div>
          <dt>To</dt>
          <dd class="mono">{plan.target}</dd>
        </div>
        <div>
          <dt>Target database</dt>
          <dd>{plan.target_database}</dd>
        </div>
        <div>
          <dt>Strategy</dt>
          <dd>
            {plan.strategy}, {plan.verify ? 'verified' : 'not verified'}, {plan.lanes} lane{plan.lanes === 1 ? '' : 's'}
          </dd>
        </div>
        <div>
          <dt>Estimate</dt>
          <dd>
            {count(plan.total_rows)} rows · {bytes(plan.total_bytes)}
          </dd>
        </div>
      </dl>
      {problems.length > 0 ? <Notice kind="warn">{problems.length} table(s) would fail: see below.</Notice> : <Notice kind="ok">Every table can be copied.</Notice>}
      <div class="table-wrap">
        <table class="data-table plan-tables stack-sm">
          <thead>
            <tr>
              <th class="hide-sm">#</th>
              <th>Table</th>
              <th>Mode</th>
              <th>Action</th>
              <th class="num">Rows</th>
              <th class="num">Size</th>
              <th>Read</th>
            </tr>
          </thead>
          <tbody>
            {plan.tables.map((t, i) => (
              <tr key={t.target_table} data-plan-table={t.target_table} class={t.problem ? 'problem-row' : ''}>
                <td class="hide-sm">{i + 1}</td>
                <td class="mono">
                  {t.source_table === t.target_table ? t.source_table : `${t.source_table} → ${t.target_table}`}
                  {t.where_clause ? <div class="muted small">WHERE {t.where_clause}</div> : null}
                  {t.problem ? (
                    <div class="error-text small">
                      {t.problem.code}: {t.problem.message}
                    </div>
                  ) : null}
                </td>
                <td data-label="Mode">{t.mode}</td>
                <td data-label="Action">{t.action}</td>
                <td class="num" data-label="Rows">{count(t.row_estimate)}</td>
                <td class="num" data-label="Size">{bytes(t.size_bytes)}</td>
                <td class="small" data-label="Read">{readOf(t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {plan.tables.some((t) => t.ddl) ? (
        <details class="ddl">
          <summary>DDL of the target tables</summary>
          {plan.tables.map((t) => (
            <pre key={t.target_table} class="code">
              {t.ddl}
            </pre>
          ))}
        </details>
      ) : null}
      {plan.objects && plan.objects.length > 0 ? (
        <details class="objects">
          <summary>{counted(plan.objects.length, 'object')} follow the tables</summary>
          <ul>
            {plan.objects.map((o) => (
              <li key={`${o.kind}:${o.name}`}>
                {o.kind} <span class="mono">{o.name}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
