import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { aliyunSignature } from '../../src/channels/index.ts';

/** An SMS the gateway accepted (one per OutId, as a provider deduplicating client references would). */
export interface ReceivedSms {
  readonly phone: string;
  readonly signName: string;
  readonly templateCode: string;
  readonly params: Record<string, string>;
  readonly outId: string;
}

/** A WeChat template message the gateway accepted (one per client_msg_id). */
export interface ReceivedTemplateMessage {
  readonly touser: string;
  readonly templateId: string;
  readonly data: Record<string, { value: string }>;
  readonly url?: string;
  readonly clientMsgId: string;
}

/**
 * One HTTP server on loopback playing Aliyun SMS (dysmsapi SendSms: POP signature v1, JSON answers with
 * Code/Message/BizId/RequestId and the documented error codes) and the WeChat Official Account API
 * (/cgi-bin/token, /cgi-bin/message/template/send with errcode answers, 40001 for an unknown token and
 * 42001 for an expired one, 43004 for a user who does not follow the account).
 */
export interface ProviderGateway {
  readonly url: string;
  readonly sms: ReceivedSms[];
  readonly wechat: ReceivedTemplateMessage[];
  /** Requests per path, repeats included. */
  readonly hits: Map<string, number>;
  /** Makes every issued access_token expired (the next send with it answers 42001). */
  expireTokens(): void;
  /** Answers the next n SendSms calls with isv.BUSINESS_LIMIT_CONTROL. */
  throttleSms(n: number): void;
  close(): Promise<void>;
}

export const gatewayCredentials = {
  accessKeyId: 'LTAI-test-key',
  accessKeySecret: 'aliyun-test-secret',
  appId: 'wx0123456789abcdef',
  appSecret: 'wechat-test-app-secret',
  /** An openid that does not follow the account. */
  unfollowedOpenId: 'o-not-following',
};

export async function startProviderGateway(): Promise<ProviderGateway> {
  const sms = new Map<string, ReceivedSms>();
  const wechat = new Map<string, ReceivedTemplateMessage>();
  const hits = new Map<string, number>();
  const tokens = new Map<string, 'valid' | 'expired'>();
  let throttle = 0;

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  function sendSms(url: URL, res: ServerResponse): void {
    const params = Object.fromEntries(url.searchParams);
    const { Signature: signature, ...signed } = params;
    const requestId = randomUUID();
    if (params.AccessKeyId !== gatewayCredentials.accessKeyId) return json(res, 404, { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.', RequestId: requestId });
    if (signature !== aliyunSignature(gatewayCredentials.accessKeySecret, signed)) {
      return json(res, 400, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.', RequestId: requestId });
    }
    if (params.Action !== 'SendSms' || params.Version !== '2017-05-25') return json(res, 400, { Code: 'InvalidParameter', Message: 'Action or Version', RequestId: requestId });
    if (throttle > 0) {
      throttle -= 1;
      return json(res, 200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控Permits:1', RequestId: requestId });
    }
    if (!/^1\d{10}$/.test(params.PhoneNumbers ?? '')) return json(res, 200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: requestId });
    let templateParams: Record<string, string>;
    try {
      templateParams = JSON.parse(params.TemplateParam ?? '{}') as Record<string, string>;
    } catch {
      return json(res, 200, { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法，只接受字符串值', RequestId: requestId });
    }
    const outId = params.OutId ?? requestId;
    if (!sms.has(outId)) {
      sms.set(outId, { phone: params.PhoneNumbers!, signName: params.SignName!, templateCode: params.TemplateCode!, params: templateParams, outId });
    }
    json(res, 200, { Code: 'OK', Message: 'OK', BizId: `biz-${outId.length}-${sms.size}`, RequestId: requestId });
  }

  function token(url: URL, res: ServerResponse): void {
    if (url.searchParams.get('appid') !== gatewayCredentials.appId) return json(res, 200, { errcode: 40013, errmsg: 'invalid appid' });
    if (url.searchParams.get('secret') !== gatewayCredentials.appSecret) return json(res, 200, { errcode: 40125, errmsg: 'invalid appsecret' });
    const issued = `token-${randomUUID()}`;
    tokens.set(issued, 'valid');
    json(res, 200, { access_token: issued, expires_in: 7200 });
  }

  function templateSend(url: URL, body: string, res: ServerResponse): void {
    const state = tokens.get(url.searchParams.get('access_token') ?? '');
    if (!state) return json(res, 200, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    if (state === 'expired') return json(res, 200, { errcode: 42001, errmsg: 'access_token expired' });
    const message = JSON.parse(body) as { touser?: string; template_id?: string; data?: Record<string, { value: string }>; url?: string; client_msg_id?: string };
    if (!message.touser?.startsWith('o')) return json(res, 200, { errcode: 40003, errmsg: 'invalid openid' });
    if (message.touser === gatewayCredentials.unfollowedOpenId) return json(res, 200, { errcode: 43004, errmsg: 'require subscribe' });
    if (!message.template_id) return json(res, 200, { errcode: 40037, errmsg: 'invalid template_id' });
    const key = message.client_msg_id ?? randomUUID();
    if (!wechat.has(key)) {
      wechat.set(key, { touser: message.touser, templateId: message.template_id, data: message.data ?? {}, ...(message.url ? { url: message.url } : {}), clientMsgId: key });
    }
    json(res, 200, { errcode: 0, errmsg: 'ok', msgid: 200_000 + wechat.size });
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://gateway');
      hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
      if (url.pathname === '/sms/' && req.method === 'GET') return sendSms(url, res);
      if (url.pathname === '/cgi-bin/token' && req.method === 'GET') return token(url, res);
      if (url.pathname === '/cgi-bin/message/template/send' && req.method === 'POST') return templateSend(url, Buffer.concat(chunks).toString('utf8'), res);
      json(res, 404, { errcode: 404, errmsg: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get sms() {
      return [...sms.values()];
    },
    get wechat() {
      return [...wechat.values()];
    },
    hits,
    expireTokens() {
      for (const key of tokens.keys()) tokens.set(key, 'expired');
    },
    throttleSms(n) {
      throttle = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
