import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { clickUrl, openPixelUrl, unsubscribeUrl } from '../links.ts';
import type { Provider } from '../providers.ts';
import type { DeliveryResult, OutgoingMessage } from '../types.ts';

// One pooled SMTP connection set per provider config, so a batch reuses connections.
const transports = new Map<string, Transporter>();

function transportFor(provider: Provider<'email'>): Transporter {
  const { host, port, secure } = provider.config;
  const key = JSON.stringify([host, port, secure, provider.secrets.user ?? '', provider.secrets.pass ?? '']);
  let transport = transports.get(key);
  if (!transport) {
    transport = nodemailer.createTransport({
      host,
      port,
      secure,
      pool: true,
      maxConnections: 4,
      ...(provider.secrets.user ? { auth: { user: provider.secrets.user, pass: provider.secrets.pass ?? '' } } : {}),
      // Loopback test servers and internal relays often use self-signed certificates.
      tls: { rejectUnauthorized: host !== '127.0.0.1' && host !== 'localhost' },
    });
    transports.set(key, transport);
  }
  return transport;
}

/** Closes pooled SMTP connections (tests, shutdown). */
export function closeEmailTransports(): void {
  for (const transport of transports.values()) transport.close();
  transports.clear();
}

/** Adds the open pixel and sends every http(s) link through the signed click redirect. */
export function trackHtml(html: string, options: { publicUrl: string; secret: string; claim: { workspaceId: number; customerId: number; messageId: number }; opens: boolean; clicks: boolean }): string {
  let out = html;
  if (options.clicks) {
    out = out.replace(/(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi, (_m, head: string, quote: string, url: string) => {
      const decoded = url.replace(/&amp;/g, '&');
      return `${head}${quote}${clickUrl(options.publicUrl, options.secret, options.claim, decoded).replace(/&/g, '&amp;')}${quote}`;
    });
  }
  if (options.opens) {
    const pixel = `<img src="${openPixelUrl(options.publicUrl, options.secret, options.claim)}" width="1" height="1" alt="" style="display:none">`;
    out = /<\/body>/i.test(out) ? out.replace(/<\/body>/i, `${pixel}</body>`) : `${out}${pixel}`;
  }
  return out;
}

/** A Message-ID derived from the idempotency key, so a redelivery after a crash carries the same id. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'patron.invalid';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}@${domain}>`;
}

/**
 * Sends one email over SMTP with text and HTML parts. Marketing mail carries the unsubscribe link in
 * List-Unsubscribe with List-Unsubscribe-Post (RFC 8058 one-click), tracked links and the open pixel.
 */
export async function deliverEmail(message: OutgoingMessage, provider: Provider<'email'>, linkSecret: string): Promise<DeliveryResult> {
  if (!message.address) return { ok: false, retry: false, reason: 'no email address' };
  const { config } = provider;
  const claim = { workspaceId: message.workspaceId, customerId: message.customerId, messageId: message.id };
  const marketing = message.purpose === 'marketing';
  const unsubscribe = unsubscribeUrl(config.publicUrl, linkSecret, claim);
  const html = message.content.html
    ? trackHtml(message.content.html, { publicUrl: config.publicUrl, secret: linkSecret, claim, opens: config.trackOpens, clicks: config.trackClicks })
    : undefined;
  try {
    const info = await transportFor(provider).sendMail({
      from: config.from,
      to: message.address,
      ...(config.replyTo ? { replyTo: config.replyTo } : {}),
      subject: message.content.subject ?? '',
      text: message.content.text,
      ...(html !== undefined ? { html } : {}),
      messageId: messageIdFor(message.idempotencyKey, config.from),
      headers: {
        'X-Patron-Idempotency-Key': message.idempotencyKey,
        ...(marketing ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
      },
    });
    return { ok: true, providerMessageId: info.messageId };
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    const reason = `SMTP: ${(error as Error).message}`.slice(0, 500);
    if (code !== undefined && code >= 500) {
      // A permanent refusal of the recipient (RCPT) is a hard bounce; other 5xx are failures of this message.
      const recipientRefused = (error as { command?: string }).command === 'RCPT TO';
      return { ok: false, retry: false, reason, bounce: recipientRefused };
    }
    return { ok: false, retry: true, reason };
  }
}
