import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPError } from 'smtp-server';

/** A received email, parsed enough to check its parts and headers. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** Header names in lower case, values unfolded. */
  readonly headers: ReadonlyMap<string, string>;
  readonly text: string | null;
  readonly html: string | null;
  readonly raw: string;
}

/**
 * A real SMTP server on loopback (smtp-server from npm). It refuses RCPT for addresses at
 * bounce.example.com with 550 (a hard bounce) and, like a mailbox provider, keeps one copy per Message-ID.
 */
export interface SmtpPeer {
  readonly port: number;
  /** Distinct mails by Message-ID. */
  readonly mails: ReceivedMail[];
  /** Every DATA transaction, repeats included. */
  transactions: number;
  close(): Promise<void>;
}

function decodeQuotedPrintable(body: string): string {
  const bytes: number[] = [];
  const soft = body.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i += 1) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return headers;
}

function decodeBody(headers: ReadonlyMap<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** Splits a MIME entity into its text/plain and text/html parts (one multipart level deep, or a single part). */
export function parseMail(raw: string): { headers: Map<string, string>; text: string | null; html: string | null } {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const type = headers.get('content-type') ?? 'text/plain';
  let text: string | null = null;
  let html: string | null = null;
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw.slice(split)];
  for (const part of parts) {
    const cut = boundary ? part.replace(/^\r?\n/, '') : raw;
    const at = cut.search(/\r?\n\r?\n/);
    const partHeaders = boundary ? parseHeaders(cut.slice(0, at)) : headers;
    const content = decodeBody(partHeaders, cut.slice(at).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, ''));
    const partType = (partHeaders.get('content-type') ?? 'text/plain').toLowerCase();
    if (partType.startsWith('text/plain')) text = content;
    if (partType.startsWith('text/html')) html = content;
  }
  return { headers, text, html };
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const byMessageId = new Map<string, ReceivedMail>();
  const state = { transactions: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@bounce.example.com')) {
        const error: SMTPError = new Error('5.1.1 No such user');
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.transactions += 1;
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMail(raw);
        const id = parsed.headers.get('message-id') ?? `no-id-${state.transactions}`;
        if (!byMessageId.has(id)) {
          byMessageId.set(id, {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            headers: parsed.headers,
            text: parsed.text,
            html: parsed.html,
            raw,
          });
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    get mails() {
      return [...byMessageId.values()];
    },
    get transactions() {
      return state.transactions;
    },
    set transactions(n: number) {
      state.transactions = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
