import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database, StoreKind } from '../db/index.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { installAccessHooks } from './access-hooks.ts';
import { createKeyVerifier } from './auth.ts';
import type { AppContext } from './context.ts';
import { handleError, handleFrameworkError, handleNotFound } from './errors.ts';
import { createRateLimiter, defaultRateLimits, type RateLimits } from './rate-limit.ts';
import { accessRoutes } from './routes/access.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { deliveryReceiptRoutes } from './routes/channels-receipts.ts';
import { channelRoutes, messageLinkRoutes } from './routes/channels.ts';
import { customerRoutes } from './routes/customers.ts';
import { journeyRoutes } from './routes/journeys.ts';
import { loyaltyRoutes } from './routes/loyalty.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { segmentRoutes } from './routes/segments.ts';
import { trackingRoutes } from './routes/tracking.ts';
import { workspaceRoutes } from './routes/workspace.ts';
import { webConsole } from './static.ts';
import { rejectUnstorableText } from './text-guard.ts';

export interface AppOptions {
  readonly db: Kysely<Database>;
  readonly store: StoreKind;
  readonly clock?: Clock;
  /** Rate limits per key, user and sign-in source (src/server/rate-limit.ts); tests lower them. */
  readonly rateLimits?: Partial<RateLimits>;
  /** Trust X-Forwarded-* from a reverse proxy (PATRON_TRUST_PROXY): the client IP for sign-in limits, https for Secure cookies. */
  readonly trustProxy?: boolean | string;
  readonly logLevel?: string;
}

/** Builds the HTTP app: the admin API under /api (secret keys), the OpenAPI document, and error mapping. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'silent',
      // URLs can carry search terms (names, emails, phones): log the path only.
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }) },
    },
    // Segment's batch limit is 500 KB; the admin API takes tag updates of up to 10,000 ids.
    bodyLimit: 1024 * 1024,
    frameworkErrors: handleFrameworkError,
    trustProxy: options.trustProxy ?? false,
    // Unique across restarts and processes, so an audit entry's request id names one request.
    genReqId: () => randomUUID(),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.addHook('preValidation', rejectUnstorableText);

  const clock = options.clock ?? systemClock;
  const limiter = createRateLimiter({ ...defaultRateLimits, ...options.rateLimits }, () => clock.now().getTime());
  const ctx: AppContext = { db: options.db, store: options.store, clock, verifyKey: createKeyVerifier(options.db, clock, limiter) };
  await app.register(cookie);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Patron API', version: '0.1.0', description: 'Customer data, analytics, segments, journeys and loyalty. Admin API: Bearer secret key, or the console session cookie (+ x-csrf-token header on changes). Tracking API (/v1): Basic auth with the write key as user name.' },
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer', description: 'A secret API key' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'patron_session', description: 'The console session (POST /api/session); changes also need the x-csrf-token header' },
          writeKey: { type: 'http', scheme: 'basic', description: 'The write key as the user name, empty password' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  await app.register(
    async (api) => {
      installAccessHooks(api, ctx);
      api.get('/openapi.json', { schema: { hide: true }, config: { permission: 'public' } }, async () => app.swagger());
      await api.register(accessRoutes(ctx));
      await api.register(customerRoutes(ctx));
      await api.register(workspaceRoutes(ctx));
      await api.register(analyticsRoutes(ctx));
      await api.register(privacyRoutes(ctx));
      await api.register(segmentRoutes(ctx));
      await api.register(loyaltyRoutes(ctx));
      await api.register(channelRoutes(ctx));
      await api.register(journeyRoutes(ctx));
      await api.register(campaignRoutes(ctx));
    },
    { prefix: '/api' },
  );
  await app.register(trackingRoutes(ctx), { prefix: '/v1' });
  // Links inside messages (open pixel, click redirect, unsubscribe): public, signed per workspace.
  await app.register(messageLinkRoutes(ctx), { prefix: '/t' });
  // Delivery receipts from providers (SMS reports, bounces, WeChat pushes, webhook receipts): public, token per workspace and channel.
  await app.register(deliveryReceiptRoutes(ctx), { prefix: '/hooks' });

  await app.register(webConsole());
  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true, store: ctx.store }));
  return app;
}
