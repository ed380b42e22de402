import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a tracking or unsubscribe link stands for. */
export interface LinkClaim {
  readonly kind: 'open' | 'click' | 'unsubscribe';
  readonly workspaceId: number;
  readonly customerId: number;
  readonly messageId: number;
  /** The destination of a click link, signed with the rest so the redirect cannot be pointed elsewhere. */
  readonly url?: string;
}

const kindCode = { open: 'o', click: 'c', unsubscribe: 'u' } as const;
const codeKind = { o: 'open', c: 'click', u: 'unsubscribe' } as const;

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}

/** A signed token `<kind>.<workspace>.<customer>.<message>.<mac>`; the destination URL travels beside it. */
export function signLink(secret: string, claim: LinkClaim): string {
  const head = `${kindCode[claim.kind]}.${claim.workspaceId}.${claim.customerId}.${claim.messageId}`;
  return `${head}.${mac(secret, `${head}|${claim.url ?? ''}`)}`;
}

/** The workspace a token claims to come from, read before its secret is known; null when malformed. */
export function linkWorkspace(token: string): number | null {
  const m = /^[ocu]\.(\d{1,15})\.\d{1,15}\.\d{1,15}\.[A-Za-z0-9_-]{32}$/.exec(token);
  return m ? Number(m[1]) : null;
}

/** Verifies a token (and a click's URL) against the workspace's secret. */
export function verifyLink(secret: string, token: string, url?: string): LinkClaim | null {
  const m = /^([ocu])\.(\d{1,15})\.(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const head = `${m[1]}.${m[2]}.${m[3]}.${m[4]}`;
  const expected = Buffer.from(mac(secret, `${head}|${url ?? ''}`));
  const given = Buffer.from(m[5]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return {
    kind: codeKind[m[1] as keyof typeof codeKind],
    workspaceId: Number(m[2]),
    customerId: Number(m[3]),
    messageId: Number(m[4]),
    ...(url !== undefined ? { url } : {}),
  };
}

/** The public URLs of one message's links. */
export function unsubscribeUrl(publicUrl: string, secret: string, claim: Omit<LinkClaim, 'kind' | 'url'>): string {
  return `${publicUrl.replace(/\/$/, '')}/t/u/${signLink(secret, { ...claim, kind: 'unsubscribe' })}`;
}

export function openPixelUrl(publicUrl: string, secret: string, claim: Omit<LinkClaim, 'kind' | 'url'>): string {
  return `${publicUrl.replace(/\/$/, '')}/t/o/${signLink(secret, { ...claim, kind: 'open' })}`;
}

export function clickUrl(publicUrl: string, secret: string, claim: Omit<LinkClaim, 'kind' | 'url'>, url: string): string {
  return `${publicUrl.replace(/\/$/, '')}/t/c/${signLink(secret, { ...claim, kind: 'click', url })}?u=${encodeURIComponent(url)}`;
}
