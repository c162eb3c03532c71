import type { FastifyError, FastifyReply } from 'fastify';
import { DbfError, isDbfError, oneLine, toDbfError } from '../domain/errors.js';
import { isStoreUnavailable } from '../store/store-errors.js';

/**
 * The API's one envelope (product.md): `{success: true, data, meta?}` or
 * `{success: false, error: {code, message, details?}}` with the code's HTTP status.
 */
export interface Meta {
  readonly [key: string]: unknown;
}

export function ok<T>(reply: FastifyReply, data: T, meta?: Meta, status = 200): FastifyReply {
  return reply.code(status).send(meta === undefined ? { success: true, data } : { success: true, data, meta });
}

export function errorBody(error: DbfError): { success: false; error: { code: string; message: string; details?: unknown } } {
  const body = { code: error.code, message: error.message };
  return { success: false, error: error.details === undefined ? body : { ...body, details: error.details } };
}

/** Maps whatever a handler or Fastify itself threw to a catalogued DbfError. */
export function toApiError(error: unknown): DbfError {
  if (isDbfError(error)) return error;
  const fastifyCode = (error as Partial<FastifyError>).code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DbfError('DBF_PAYLOAD_TOO_LARGE', 'the request body is larger than the server accepts', { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DbfError('DBF_INVALID_INPUT', 'send the body as JSON with Content-Type: application/json', { cause: error });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DbfError('DBF_INVALID_JSON', 'the request body is empty but Content-Type says JSON', { cause: error });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new DbfError('DBF_INVALID_JSON', 'the request body is not valid JSON', { cause: error });
    case 'FST_ERR_BAD_URL':
      return new DbfError('DBF_INVALID_INPUT', 'the URL is malformed (a bad %-escape)', { cause: error });
    default:
      break;
  }
  // Any other refusal of Fastify's own (a bad Content-Length, …) is the client's, not ours.
  const status = (error as Partial<FastifyError>).statusCode;
  if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_') && typeof status === 'number' && status >= 400 && status < 500) {
    return new DbfError('DBF_INVALID_INPUT', oneLine(error instanceof Error ? error.message : String(error)), { cause: error });
  }
  if (error instanceof SyntaxError && (error as Partial<FastifyError>).statusCode === 400) {
    return new DbfError('DBF_INVALID_JSON', 'the request body is not valid JSON', { cause: error });
  }
  if (isStoreUnavailable(error)) return new DbfError('DBF_STORE_UNAVAILABLE', 'the metadata store is unavailable; try again', { cause: error });
  return toDbfError(error);
}
