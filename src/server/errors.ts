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
  // Unexpected: log the error itself (never the request body, which carries personal data).
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side; the error was logged.' } });
}
