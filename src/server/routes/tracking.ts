import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ingestTracking,
  parseTrackingBatch,
  parseTrackingCall,
  trackingBatchSchema,
  trackingCallTypes,
  trackingLimits,
  trackingMessageSchemas,
  type TrackingCallType,
  type TrackingPayload,
} from '../../ingest/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { authenticateWrite } from '../auth.ts';
import type { AppContext } from '../context.ts';

const maxWarnings = 100;

const trackingResponse = z.object({
  success: z.literal(true).describe("Segment's acknowledgement: the call is committed to the database"),
  accepted: z.number().int().describe('Messages stored now'),
  duplicates: z.number().int().describe('Messages already stored (a retried call) or repeated in this call'),
  warnings: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Values that could not be used (bad email, unreadable timestamp, order without order_id); their events were stored'),
  warningsOmitted: z.number().int().optional(),
});

// When each request arrived: Segment's receivedAt is set "as soon as they hit our API".
const arrivals = new WeakMap<FastifyRequest, Date>();
// The JSON text of each request, kept to measure batch messages without serializing them again.
const texts = new WeakMap<FastifyRequest, string>();

/** Decompresses gzip or deflate bodies (Segment's mobile libraries and RudderStack's SDKs gzip their batches). */
function decompress(request: FastifyRequest, payload: Readable): Readable {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return payload;
  if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate') {
    throw new PatronError('invalid_input', `Content-Encoding "${encoding}" is not supported: send gzip, deflate or uncompressed JSON`);
  }
  const inflated = encoding === 'deflate' ? createInflate() : createGunzip();
  // Fastify matches Content-Length against the bytes received and bodyLimit against the inflated ones.
  const counted = inflated as typeof inflated & { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (error) => inflated.destroy(error));
  return payload.pipe(inflated);
}

function reply(result: Awaited<ReturnType<typeof ingestTracking>>) {
  const shown = result.warnings.slice(0, maxWarnings);
  return {
    success: true as const,
    accepted: result.accepted,
    duplicates: result.duplicates,
    ...(shown.length > 0 ? { warnings: shown } : {}),
    ...(result.warnings.length > maxWarnings ? { warningsOmitted: result.warnings.length - maxWarnings } : {}),
  };
}

/**
 * The Segment-compatible HTTP Tracking API under /v1: the six call types, /batch, and the paths the
 * Segment libraries use besides (`/import` of analytics-ruby/-java, `/b` and `/t`, `/i`, … of analytics.js).
 * Write keys only (Basic-auth user name or `writeKey` in the body); any content type is read as JSON
 * (analytics.js sends text/plain to skip CORS preflights); gzip bodies are accepted.
 */
export function trackingRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    const parseJson = app.getDefaultJsonParser('error', 'ignore');
    app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
      texts.set(request, text as string);
      parseJson(request, text as string, done);
    });
    // The schemas below document the routes in OpenAPI; the handlers validate with them themselves, so that
    // errors name fields the Segment way (batch[3].event: Required) and size limits are checked first.
    app.setValidatorCompiler(() => (data) => ({ value: data }));

    app.addHook('onRequest', async (request, reply) => {
      arrivals.set(request, ctx.clock.now());
      // Browsers call from any site with a write key, never with cookies: any origin may call.
      reply.header('access-control-allow-origin', '*');
      const limit = request.routeOptions.bodyLimit;
      const length = Number(request.headers['content-length']);
      if (request.method === 'POST' && limit !== undefined && length > limit) {
        const what = limit === trackingLimits.batchBytes ? `A batch may be at most ${limit / 1024} KB (Segment's limit); split it into smaller batches` : `A single call may be at most ${limit / 1024} KB (Segment's limit); send large payloads as several calls`;
        throw new PatronError('payload_too_large', `${what}. This request has ${length} bytes.`, { limitBytes: limit, bytes: length });
      }
    });
    app.addHook('preParsing', async (request, _reply, payload) => decompress(request, payload));
    app.addHook('preHandler', async (request) => {
      if (request.method === 'OPTIONS') return;
      const bodyKey = typeof request.body === 'object' && request.body !== null ? (request.body as { writeKey?: unknown }).writeKey : undefined;
      const caller = await authenticateWrite(request, ctx.verifyKey, bodyKey);
      if (caller.kind !== 'write') {
        throw new PatronError('forbidden', 'The tracking API takes a write key, not a secret key: secret keys must never be shipped in apps or web pages. Create a write key for this source.');
      }
      request.caller = caller;
    });

    app.options('/*', { schema: { hide: true } }, async (_request, reply: FastifyReply) => {
      reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, Content-Encoding')
        .header('access-control-max-age', '86400')
        .status(204);
    });

    const handle = (parse: (body: unknown, request: FastifyRequest) => TrackingPayload) => async (request: FastifyRequest) => {
      const payload = parse(request.body, request);
      const result = await ingestTracking(ctx.db, request.caller.workspace, payload, { receivedAt: arrivals.get(request) ?? ctx.clock.now(), ip: request.ip });
      return reply(result);
    };

    const callRoute = (type: TrackingCallType, path: string, hide: boolean) =>
      app.post(path, {
        bodyLimit: trackingLimits.callBytes,
        schema: {
          hide,
          tags: ['tracking'],
          summary: `Segment ${type} call`,
          security: [{ writeKey: [] }],
          body: trackingMessageSchemas[type],
          response: { 200: trackingResponse },
        },
        handler: handle((body) => parseTrackingCall(type, body)),
      });
    for (const type of trackingCallTypes) {
      callRoute(type, `/${type}`, false);
      // analytics.js posts each call to the first letter of its type (/v1/t, /v1/p, …).
      callRoute(type, `/${type[0]}`, true);
    }

    const batchRoute = (path: string, hide: boolean) =>
      app.post(path, {
        bodyLimit: trackingLimits.batchBytes,
        schema: {
          hide,
          tags: ['tracking'],
          summary: 'Segment batch: many calls of any type in one request, stored in one transaction',
          security: [{ writeKey: [] }],
          body: trackingBatchSchema,
          response: { 200: trackingResponse },
        },
        handler: handle((body, request) => parseTrackingBatch(body, texts.get(request))),
      });
    batchRoute('/batch', false);
    batchRoute('/import', true);
    batchRoute('/b', true);
  };
}
