import { oneLine } from '../domain/errors.js';
import type { Logger } from '../logging/logger.js';
import type { StoreDb } from '../store/open-store.js';
import type { JobAlertRow } from '../store/schema.js';

export interface AlertDispatcherDeps {
  readonly db: StoreDb;
  readonly webhookUrl: string;
  readonly now: () => number;
  readonly logger: Logger;
  /** How often the outbox is read (default 1 s). */
  readonly pollMs?: number;
  /** One POST may take this long (default 5 s). */
  readonly timeoutMs?: number;
  /** Backoff after the n-th failed post: retryBaseMs × 2^n (default 1 s: 2, 4, 8, 16 s). */
  readonly retryBaseMs?: number;
}

/** A delivery that keeps failing is given up after this many posts (logged as an error). */
export const MAX_ALERT_ATTEMPTS = 5;
/** Alerts are news: one that could not be sent within a day is not sent late (a webhook set up today
 * does not receive last month's failures). */
const MAX_ALERT_AGE_MS = 86_400_000;
const CLAIM_MS = 30_000;

/** What the webhook receives (POST, `Content-Type: application/json`, header `X-Dbferry-Alert-Id`). */
export interface AlertPayload {
  readonly alert_id: number;
  /** `job.reaped` (its worker was lost; `outcome` says whether it retries) or `job.failed`. */
  readonly event: string;
  readonly at: string;
  readonly message: string;
  readonly code: string | null;
  readonly job: {
    readonly id: string;
    readonly config_id: string | null;
    readonly config_name: string | null;
    readonly status: string;
    readonly attempt: number;
    readonly max_attempts: number;
    readonly error_code: string | null;
    readonly error_message: string | null;
  };
}

/**
 * Sends the `job_alerts` outbox to the webhook (invariant 8). Runs beside the worker in every process
 * that has `alerts.webhook_url`; any number of them may run: each alert is claimed with a guarded
 * UPDATE before it is posted, so it is posted by one process at a time. Delivery is at least once — a
 * process that dies between the POST and the `delivered_at_ms` stamp leaves the alert to be posted
 * again after its claim expires — so receivers dedupe by `alert_id`. Failed posts are retried with
 * backoff (2 s, 4 s, 8 s, 16 s) up to MAX_ALERT_ATTEMPTS.
 */
export class AlertDispatcher {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(private readonly deps: AlertDispatcherDeps) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass over the due alerts; answers how many were delivered. */
  async deliverDue(): Promise<number> {
    const { db, now } = this.deps;
    const at = now();
    const due = await db
      .selectFrom('job_alerts')
      .selectAll()
      .where('delivered_at_ms', 'is', null)
      .where('attempts', '<', MAX_ALERT_ATTEMPTS)
      .where('next_attempt_at_ms', '<=', at)
      .where('created_at_ms', '>', at - MAX_ALERT_AGE_MS)
      .where((eb) => eb.or([eb('claimed_until_ms', 'is', null), eb('claimed_until_ms', '<', at)]))
      .orderBy('id')
      .limit(50)
      .execute();
    let delivered = 0;
    for (const alert of due) {
      if (this.#stopped) break;
      if (await this.#claim(alert, now())) delivered += (await this.#post(alert)) ? 1 : 0;
    }
    return delivered;
  }

  async #claim(alert: JobAlertRow, at: number): Promise<boolean> {
    const result = await this.deps.db
      .updateTable('job_alerts')
      .set({ claimed_until_ms: at + CLAIM_MS, attempts: alert.attempts + 1 })
      .where('id', '=', alert.id)
      .where('attempts', '=', alert.attempts)
      .where('delivered_at_ms', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async #post(alert: JobAlertRow): Promise<boolean> {
    const { db, webhookUrl, now, logger } = this.deps;
    const attempt = alert.attempts + 1;
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'dbferry', 'x-dbferry-alert-id': String(alert.id) },
        body: JSON.stringify(await this.#payload(alert)),
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 5_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`);
      await db.updateTable('job_alerts').set({ delivered_at_ms: now(), claimed_until_ms: null, last_error: null }).where('id', '=', alert.id).execute();
      logger.info({ alert_id: alert.id, job_id: alert.job_id, event: alert.kind }, 'alert delivered to the webhook');
      return true;
    } catch (error) {
      const message = oneLine(error instanceof Error ? error.message : String(error));
      const retryInMs = (this.deps.retryBaseMs ?? 1_000) * 2 ** attempt;
      await db.updateTable('job_alerts').set({ claimed_until_ms: null, last_error: message, next_attempt_at_ms: now() + retryInMs }).where('id', '=', alert.id).execute();
      if (attempt >= MAX_ALERT_ATTEMPTS) logger.error({ alert_id: alert.id, job_id: alert.job_id, attempt, err: error }, 'alert not delivered; giving up');
      else logger.warn({ alert_id: alert.id, job_id: alert.job_id, attempt, retry_in_ms: retryInMs, err: error }, 'alert not delivered; retrying');
      return false;
    }
  }

  async #payload(alert: JobAlertRow): Promise<AlertPayload> {
    const job = await this.deps.db
      .selectFrom('jobs')
      .select(['id', 'config_name', 'config_id', 'status', 'attempt', 'max_attempts', 'error_code', 'error_message'])
      .where('id', '=', alert.job_id)
      .executeTakeFirstOrThrow();
    return { alert_id: alert.id, event: alert.kind, at: new Date(alert.created_at_ms).toISOString(), message: alert.message, code: alert.code, job };
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.deliverDue()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'reading the alert outbox failed; trying again'))
        .finally(() => this.#schedule(this.deps.pollMs ?? 1_000));
    }, delayMs);
  }
}
