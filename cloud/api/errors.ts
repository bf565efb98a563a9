/**
 * Every error the API answers with has one JSON shape: { statusCode, error, message, details? }. Bad input gets a
 * 4xx that says what was wrong; only a fault of our own is a 500, and its details stay in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isHubError, type HubErrorCode } from '../hub/errors.ts';
import { QueryError } from '../pipeline/queries.ts';
import { TokenStoreError } from '../auth/token-store.ts';
import { UnavailableError } from './read-model.ts';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: string[];
}

const NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string): ApiError => new ApiError(404, `${what} '${id}' not found`);

export function errorBody(statusCode: number, message: string, details?: string[]): ErrorBody {
  return { statusCode, error: NAMES[statusCode] ?? 'Error', message, ...(details?.length ? { details } : {}) };
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const clip = (s: string, max = 80): string => (s.length > max ? `${s.slice(0, max)}...` : s);

/** One line per problem, naming the parameter: "query parameter 'limit' must be <= 1000". */
export function describeValidation(validation: readonly AjvError[], context: string | undefined): string[] {
  const where = context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : context === 'headers' ? 'header' : 'body field';
  return validation.map((v) => {
    const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    if (v.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
      const extra = clip(v.params.additionalProperty, 64);
      return path ? `${where} '${path}' has an unknown field '${extra}'` : `unknown ${where} '${extra}'`;
    }
    if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') {
      const missing = path ? `${path}.${v.params.missingProperty}` : v.params.missingProperty;
      return `${where} '${missing}' is required`;
    }
    if (v.keyword === 'pattern') return `${where} '${path}' has an invalid format`;
    if (!path) return `${context === 'body' ? 'body' : where} ${v.message ?? 'is invalid'}`;
    return `${where} '${path}' ${v.message ?? 'is invalid'}`;
  });
}

const HUB_STATUS: Record<HubErrorCode, number> = {
  DEVICE_NOT_FOUND: 404,
  DEVICE_DISABLED: 409,
  METHOD_TIMEOUT: 504,
  C2D_QUEUE_FULL: 429,
  INVALID_ARGUMENT: 400,
  NOT_RUNNING: 503,
};

/** Maps any error to its status and body; logs what is ours to fix. */
export function handleError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  let status = 500;
  let body: ErrorBody;
  if (fe.validation) {
    const details = describeValidation(fe.validation, fe.validationContext);
    status = 400;
    body = errorBody(400, details[0] ?? 'invalid request', details);
  } else if (err instanceof ApiError) {
    status = err.statusCode;
    body = errorBody(status, err.message, err.details);
  } else if (err instanceof QueryError) {
    status = 400;
    body = errorBody(400, err.message);
  } else if (err instanceof UnavailableError) {
    status = 501;
    body = errorBody(501, err.message);
  } else if (isHubError(err)) {
    status = HUB_STATUS[err.code];
    body = errorBody(status, err.message);
  } else if (err instanceof TokenStoreError) {
    status = err.code === 'NOT_FOUND' ? 404 : err.code === 'INVALID' ? 400 : 503;
    body = errorBody(status, err.message);
  } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors: body too large, bad JSON, wrong content type.
    status = fe.statusCode;
    body = errorBody(status, err.message);
  } else {
    body = errorBody(500, 'internal error; see the service log');
  }
  if (status >= 500 && status !== 501 && status !== 504) req.log.error({ err }, 'request failed');
  else req.log.info({ status, reason: body.message }, 'request refused');
  if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}
