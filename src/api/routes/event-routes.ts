import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { wholeNumber } from '../../domain/validation.js';
import type { JobService } from '../../jobs/job-service.js';
import { route } from '../route.js';
import type { RouteInput } from '../route.js';

const streamQuery = z.object({ job_id: z.string().max(128).optional(), after_id: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional() }).strict();
const POLL_MS = 250;
const PING_MS = 15_000;

/**
 * `GET /events` (also DB-Taxi's `/jobs/progress/stream`): Server-Sent Events of every job event, read
 * from the store's append-only log by id, so events of workers in other processes arrive too. Resumes
 * after `Last-Event-ID` (or `?after_id=`); without either it starts with new events. A comment line
 * every 15 s keeps proxies from closing an idle stream; no server timeout cuts it (the socket is
 * hijacked from Fastify and only the client's disconnect ends it).
 */
export function registerEventRoutes(api: FastifyInstance, jobs: JobService, pollMs = POLL_MS): void {
  const stream = async ({ query: q }: RouteInput<unknown, z.output<typeof streamQuery>>, reply: FastifyReply, request: FastifyRequest): Promise<void> => {
    const header = request.headers['last-event-id'];
    const resumeFrom = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : q.after_id;
    let cursor = resumeFrom ?? (await jobs.lastEventId());
    reply.hijack();
    const raw = reply.raw;
    // The headers set so far (security headers, CORS) go out too: a hijacked reply sends only these.
    const carried = Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined);
    raw.writeHead(200, { ...Object.fromEntries(carried), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.socket?.setTimeout(0);
    raw.write(`retry: 2000\n: connected at event ${cursor}\n\n`);
    let closed = false;
    let busy = false;
    const poll = setInterval(() => {
      if (busy || closed) return;
      busy = true;
      jobs
        .eventsAfter(cursor)
        .then((events) => {
          for (const e of events) {
            cursor = e.id;
            if (q.job_id !== undefined && e.job_id !== q.job_id) continue;
            raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
          }
        })
        .catch((error: unknown) => {
          request.log.warn({ err: error }, 'event stream could not read the store; retrying');
          raw.write(': store unavailable, retrying\n\n');
        })
        .finally(() => {
          busy = false;
        });
    }, pollMs);
    const ping = setInterval(() => raw.write(': ping\n\n'), PING_MS);
    raw.on('close', () => {
      closed = true;
      clearInterval(poll);
      clearInterval(ping);
    });
  };
  const summary = 'Server-Sent Events of every job event; resumable with Last-Event-ID (or after_id); a comment every 15 s';
  route(api, { method: 'GET', url: '/events', role: 'viewer', tag: 'monitoring', summary, query: streamQuery }, stream);
  route(api, { method: 'GET', url: '/jobs/progress/stream', role: 'viewer', tag: 'monitoring', summary: `${summary} (DB-Taxi's path)`, query: streamQuery }, stream);
}
