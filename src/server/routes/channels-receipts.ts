import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  aliyunReportAck,
  aliyunSmsReportSchema,
  emailBounceWebhookSchema,
  fromAliyunReport,
  fromEmailBounce,
  fromWebhookReceipts,
  fromWechatEvent,
  parseWechatXml,
  receiptWorkspace,
  recordDeliveryReports,
  signatureHeader,
  timestampHeader,
  verifyWebhookSignature,
  verifyWechatSignature,
  webhookReceiptsSchema,
} from '../../channels/index.ts';
import { invalidInput, PatronError } from '../../lib/errors.ts';
import type { AppContext } from '../context.ts';
import { findUnstorableText } from '../text-guard.ts';

const tokenParams = z.object({ token: z.string().max(100) });
const wechatQuery = z.object({ signature: z.string().max(100).optional(), timestamp: z.string().max(20).optional(), nonce: z.string().max(100).optional(), echostr: z.string().max(200).optional() });

function unknownAddress(): PatronError {
  return new PatronError('not_found', 'This receipt address is not valid: copy it again from Settings → Channels');
}

/** Parses a raw JSON body against a schema, naming the first problem. */
function parseJson<S extends z.ZodType>(raw: unknown, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : '');
  } catch {
    throw invalidInput('The body is not JSON');
  }
  // The body arrives raw (for signatures), so the app-wide guard saw only the text, not what its escapes decode to.
  const unstorable = findUnstorableText(value, 'body');
  if (unstorable !== undefined) throw invalidInput(`${unstorable}: text must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(`The report is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`, { path: issue.path.map(String) });
  }
  return parsed.data;
}

/**
 * Where providers report what became of messages, outside /api and its credentials: Aliyun SMS status reports,
 * a mail relay's bounces and complaints, WeChat Official Account pushes (template message results) and webhook
 * consumers' receipts. Each address carries a token signed per workspace and channel; WeChat's pushes and webhook
 * receipts are also verified by their own signatures. Bodies are read raw, since signatures cover the exact bytes.
 */
export function deliveryReceiptRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 2 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['delivery receipts'];

    r.post('/sms/aliyun/:token', {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Aliyun SMS status reports (SmsReport, HTTP batch push): a JSON array; each report must name its message by biz_id and out_id',
        params: tokenParams,
      },
      handler: async (req) => {
        const target = await receiptWorkspace(ctx.db, req.params.token, 'sms');
        if (!target) throw unknownAddress();
        const reports = parseJson(req.body, aliyunSmsReportSchema);
        const tally = await recordDeliveryReports(ctx.db, target.workspaceId, reports.map(fromAliyunReport), ctx.clock.now());
        if (tally.unmatched > 0) req.log.info({ unmatched: tally.unmatched }, 'SMS reports for unknown messages');
        return aliyunReportAck;
      },
    });

    r.post('/email/bounces/:token', {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Bounces and complaints from a mail relay: hard bounces and complaints suppress the address',
        params: tokenParams,
      },
      handler: async (req) => {
        const target = await receiptWorkspace(ctx.db, req.params.token, 'email');
        if (!target) throw unknownAddress();
        const body = parseJson(req.body, emailBounceWebhookSchema);
        const now = ctx.clock.now();
        return recordDeliveryReports(ctx.db, target.workspaceId, body.bounces.map((b) => fromEmailBounce(b, now)), now);
      },
    });

    r.post('/webhook/receipts/:token', {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Receipts from the webhook consumer, signed like Patron’s deliveries (x-patron-timestamp, x-patron-signature) with the channel’s signing secret',
        params: tokenParams,
      },
      handler: async (req) => {
        const target = await receiptWorkspace(ctx.db, req.params.token, 'webhook');
        const secret = target?.providers.webhook?.secrets.signingSecret;
        if (!target || !secret) throw unknownAddress();
        const raw = typeof req.body === 'string' ? req.body : '';
        const signed = verifyWebhookSignature(
          secret,
          { body: raw, signature: req.headers[signatureHeader] as string | undefined, timestamp: req.headers[timestampHeader] as string | undefined },
          Math.floor(ctx.clock.now().getTime() / 1000),
        );
        if (!signed) throw new PatronError('unauthorized', 'The receipt’s signature does not verify: sign `<timestamp>.<body>` with the webhook’s signing secret (HMAC-SHA256)');
        const now = ctx.clock.now();
        return recordDeliveryReports(ctx.db, target.workspaceId, fromWebhookReceipts(parseJson(raw, webhookReceiptsSchema), now), now);
      },
    });

    const wechatTarget = async (token: string, query: z.infer<typeof wechatQuery>) => {
      const target = await receiptWorkspace(ctx.db, token, 'wechat');
      const callbackToken = target?.providers.wechat?.secrets.callbackToken;
      if (!target || !callbackToken) throw unknownAddress();
      if (!verifyWechatSignature(callbackToken, query)) throw new PatronError('unauthorized', 'The WeChat signature does not verify: the Token here must match the Official Account’s server configuration');
      return target;
    };
    const plain = (reply: FastifyReply, text: string) => reply.type('text/plain; charset=utf-8').send(text);

    r.get('/wechat/:token', {
      config: { permission: 'public' },
      schema: { tags, summary: 'WeChat server URL check: echoes echostr when the signature verifies', params: tokenParams, querystring: wechatQuery },
      handler: async (req, reply) => {
        await wechatTarget(req.params.token, req.query);
        return plain(reply, req.query.echostr ?? '');
      },
    });

    r.post('/wechat/:token', {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'WeChat Official Account pushes (plain-text mode XML): TEMPLATESENDJOBFINISH results update their messages; other pushes are acknowledged',
        params: tokenParams,
        querystring: wechatQuery,
      },
      handler: async (req, reply) => {
        const target = await wechatTarget(req.params.token, req.query);
        const fields = parseWechatXml(typeof req.body === 'string' ? req.body : '');
        if (!fields) throw invalidInput('The body is not a WeChat XML push (plain-text mode)');
        const report = fromWechatEvent(fields);
        if (report) await recordDeliveryReports(ctx.db, target.workspaceId, [report], ctx.clock.now());
        // WeChat takes "success" (or an empty body) as "received, no reply".
        return plain(reply, 'success');
      },
    });
  };
}
