import { authHeaders, requireAuth } from './auth.js';
import type { PageMeta } from './types.js';

/** The API's base path (product.md). */
export const API_BASE = '/api/sync';

/** A failure the API answered with its envelope (`{success:false, error:{code,message}}`), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiResult<T> {
  readonly data: T;
  readonly meta: Readonly<Record<string, unknown>>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Envelope {
  readonly success?: unknown;
  readonly data?: unknown;
  readonly meta?: unknown;
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly details?: unknown };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One API call: JSON in, the envelope out. A 401 also raises the token dialog. The data's type is
 * the caller's statement of the contract (types.ts); the envelope itself is checked here.
 */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(API_BASE + path, {
      method,
      headers: { accept: 'application/json', ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `the server did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch (error) {
    // Not our envelope (a proxy's HTML page, say): report the status with the start of the text.
    throw new ApiError(response.status, 'BAD_RESPONSE', `HTTP ${response.status}: ${text.slice(0, 120)} (${error instanceof Error ? error.message : 'not JSON'})`);
  }
  const envelope: Envelope = isObject(parsed) ? parsed : {};
  if (response.status === 401) requireAuth();
  if (!response.ok || envelope.success !== true) {
    const code = typeof envelope.error?.code === 'string' ? envelope.error.code : `HTTP_${response.status}`;
    const message = typeof envelope.error?.message === 'string' ? envelope.error.message : `HTTP ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, code, message, envelope.error?.details);
  }
  return { data: envelope.data as T, meta: isObject(envelope.meta) ? envelope.meta : {} };
}

export const get = <T>(path: string): Promise<ApiResult<T>> => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}): Promise<ApiResult<T>> => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown): Promise<ApiResult<T>> => api<T>('PUT', path, body);
export const del = <T>(path: string): Promise<ApiResult<T>> => api<T>('DELETE', path);

/** Paging meta of list answers, with safe defaults. */
export function pageMeta(meta: Readonly<Record<string, unknown>>, fallbackLimit: number): PageMeta {
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return { total: num(meta.total, 0), limit: num(meta.limit, fallbackLimit), offset: num(meta.offset, 0) };
}

/** Query string from the defined values only. */
export function query(params: Readonly<Record<string, string | number | undefined | null>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.code.startsWith('DBF_') ? `${error.code}: ${error.message}` : error.message;
  return error instanceof Error ? error.message : String(error);
}
