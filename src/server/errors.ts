import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { PatronError, type ErrorCode } from '../lib/errors.ts';

/** The one place where error codes become HTTP statuses. */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  limit_reached: 429,
  unavailable: 503,
};

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

const formatPath = (path: readonly PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');

/** The fields of an unexpected error that are safe to log: no bound parameters, no PostgreSQL detail (it quotes key values). */
export function loggableError(error: Error): Record<string, unknown> {
  const e = error as Error & { code?: unknown; routine?: unknown; table?: unknown; column?: unknown; constraint?: unknown };
  return { type: error.name, message: error.message, code: e.code, routine: e.routine, table: e.table, column: e.column, constraint: e.constraint, stack: error.stack };
}

// Connection failures and PostgreSQL's shutdown and connection-exception codes (57P01-57P03, class 08).
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Whether an error says the database cannot be reached right now, as opposed to a bug. */
export function isDatabaseUnavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && unavailableCodes.has(code)) || /^Connection terminated|^the database system is (shutting down|starting up)/.test(error.message);
}

/** Whether an error is PostgreSQL's disk_full (53100), or a write the file system refused for lack of space. */
export function isDiskFull(error: Error): boolean {
  return (error as { code?: unknown }).code === '53100' || /No space left on device/.test(error.message);
}

/** The answer for a path no route serves, in the same shape as every other error (the query string is not echoed: it may carry search terms). */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0];
  return reply.status(404).send(body('not_found', `There is no ${request.method} ${path}; the API's routes are listed in /api/openapi.json`));
}

/** Errors the router raises before any route runs: a malformed URL, or a path parameter past the router's length limit. */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is too long (at most 100 characters): check the id in the URL'
      : 'The URL is malformed (bad percent-encoding or characters); encode path and query values with encodeURIComponent';
  return reply.status(400).send(body('invalid_input', message, { path: ['url'] }));
}

/** Turns anything thrown by a route into a response: a coded error with a message naming what was wrong, or a logged 500. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof PatronError) {
    // RFC 9110 §10.2.3: a 429 says when to come back.
    if (error.code === 'limit_reached' && typeof error.details.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
    return reply.status(httpStatusOf[error.code]).send(body(error.code, error.message, error.details));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => {
      const where = `${error.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`;
      return { path: where, message: v.message ?? 'is invalid' };
    });
    const first = issues[0];
    return reply.status(400).send(body('invalid_input', first ? `${first.path}: ${first.message}` : 'The request is invalid', { issues }));
  }
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return reply.status(400).send(body('invalid_input', issue ? `${formatPath(issue.path) || 'value'}: ${issue.message}` : 'invalid input', { issues: error.issues }));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.status(413).send(body('payload_too_large', 'The request body is too large', { limitBytes: request.routeOptions.bodyLimit }));
  }
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own 4xx (malformed JSON, wrong content type, bad encoding): its message names the problem.
    const code: ErrorCode = fastifyError.statusCode === 413 ? 'payload_too_large' : fastifyError.statusCode === 415 ? 'invalid_input' : 'invalid_input';
    return reply.status(fastifyError.statusCode === 413 ? 413 : 400).send(body(code, fastifyError.message));
  }
  if (isDiskFull(error)) {
    // The statement failed whole (its transaction rolled back): nothing of the request was stored.
    request.log.error({ err: loggableError(error) }, 'database disk full');
    return reply.status(503).header('retry-after', '60').send(body('unavailable', 'The database has run out of disk space, so nothing of this request was stored; free space on the database volume, then retry'));
  }
  if (isDatabaseUnavailable(error)) {
    // The pool reconnects on its own once the database is back; say so rather than report a bug.
    request.log.warn({ err: loggableError(error) }, 'database unavailable');
    return reply.status(503).header('retry-after', '1').send(body('unavailable', 'The database is unavailable right now (restarting or unreachable); retry shortly'));
  }
  // Unexpected: log the error itself (never the request body, which carries personal data). Database
  // errors carry the statement's bound parameters (search terms, emails, phones): log only what locates the fault.
  request.log.error({ err: loggableError(error) }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side; the error was logged.' } });
}
