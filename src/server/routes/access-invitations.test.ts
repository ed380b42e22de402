import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, invitationLifetimeMs, passwordResetLifetimeMs, type Workspace } from '../../access/index.ts';
import { closeEmailTransports, saveProvider } from '../../channels/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../../../test/peers/smtp-peer.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

const clock = manualClock(new Date('2026-03-01T08:00:00Z'));

/** The token of the first console link of a page in an email's text. */
function linkToken(mail: ReceivedMail, page: 'accept-invite' | 'reset-password'): string {
  const match = new RegExp(`https://patron\\.example\\.com/${page}#token=([A-Za-z0-9_%-]+)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${page} link in: ${mail.text}`);
  return decodeURIComponent(match[1]!);
}

/** The latest mail to an address whose text matches, once more than `seen` such mails have arrived (reset emails go out after the answer). */
async function waitForMail(smtp: SmtpPeer, to: string, text: RegExp, seen = 0): Promise<ReceivedMail> {
  for (let i = 0; i < 200; i++) {
    const mails = smtp.mails.filter((m) => m.to.includes(to) && text.test(m.text ?? ''));
    if (mails.length > seen) return mails.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to}`);
}

describe.each(testStores())('invitations, workspaces and password resets on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let smtp: SmtpPeer;
  let ws: Workspace;
  let bare: Workspace;

  /** Signs in through the API: the cookie header and CSRF token of the new session. */
  const signIn = async (email: string, password: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { email, password } });
    expect(res.statusCode, res.body).toBe(200);
    return headersOf(res);
  };
  const headersOf = (res: Awaited<ReturnType<FastifyInstance['inject']>>) => ({
    cookie: `patron_session=${res.cookies.find((c) => c.name === 'patron_session')!.value}`,
    'x-csrf-token': res.json().csrfToken as string,
  });

  beforeAll(async () => {
    h = await store.open();
    smtp = await startSmtpPeer();
    app = await buildApp({ db: h.db, store: h.kind, clock, rateLimits: { loginIp: { burst: 1000, perSecond: 100 }, loginEmail: { burst: 1000, perSecond: 100 } } });
    ws = await testWorkspace(h.db, { name: 'Acme 商店' });
    bare = await testWorkspace(h.db, { name: 'No Mail Co' });
    await saveProvider(h.db, ws.id, 'email', { config: { host: '127.0.0.1', port: smtp.port, from: 'Patron <patron@example.com>', publicUrl: 'https://patron.example.com/' } }, clock.now());
    await createUser(h.db, ws.id, { email: `owner-${ws.id}@example.com`, name: 'Olga Owner', password: 'owner-password', role: 'owner' });
    await createUser(h.db, ws.id, { email: `admin-${ws.id}@example.com`, name: 'Adam Admin', password: 'admin-password', role: 'admin' });
    await createUser(h.db, bare.id, { email: `owner-${bare.id}@example.com`, name: 'Bea', password: 'bare-password', role: 'owner' });
    // Opening and migrating a store takes most of a minute when the machine is busy.
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    closeEmailTransports();
    await smtp?.close();
    await h?.close();
  });

  it('invite → email with a single-use link → accept with name and password → signed in with the role’s permissions', async () => {
    const admin = await signIn(`admin-${ws.id}@example.com`, 'admin-password');
    const email = `new-analyst-${ws.id}@example.com`;
    const invited = await app.inject({ method: 'POST', url: '/api/invitations', headers: admin, payload: { email: email.toUpperCase(), role: 'analyst' } });
    expect(invited.statusCode, invited.body).toBe(200);
    expect(invited.json()).toMatchObject({ invitation: { email, role: 'analyst', status: 'pending', sendCount: 1 }, delivery: { sent: true } });
    expect(invited.body).not.toMatch(/token/i);
    const mail = await waitForMail(smtp, email, /accept-invite/);
    expect(mail.from).toBe('patron@example.com');
    expect(mail.text).toContain('Adam Admin');
    expect(mail.headers.has('list-unsubscribe')).toBe(false);
    const token = linkToken(mail, 'accept-invite');
    const stored = await h.db.selectFrom('invitations').select('token_hash').where('workspace_id', '=', ws.id).where('email', '=', email).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);

    const preview = await app.inject({ method: 'POST', url: '/api/invitations/preview', payload: { token } });
    expect(preview.json()).toMatchObject({ workspace: { id: ws.id, name: 'Acme 商店' }, email, role: 'analyst', accountExists: false });
    const noName = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: 'analyst-password' } });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error.details.path).toEqual(['name']);
    const accepted = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, name: 'Ana Lyst', password: 'analyst-password' } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ workspace: { id: ws.id }, user: { email, name: 'Ana Lyst', role: 'analyst' } });
    const session = headersOf(accepted);
    expect((await app.inject({ url: '/api/customers', headers: session })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/users', headers: session })).statusCode).toBe(403);

    const again = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, name: 'Mallory', password: 'other-password' } });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toMatchObject({ message: expect.stringMatching(/already been used: sign in/), details: { reason: 'accepted' } });
    const signedIn = await signIn(email, 'analyst-password');
    expect((await app.inject({ url: '/api/session', headers: signedIn })).json()).toMatchObject({ user: { role: 'analyst' }, permissions: expect.arrayContaining(['analytics:write']) });

    const listed = (await app.inject({ url: '/api/invitations', headers: admin })).json();
    expect(listed.emailConfigured).toBe(true);
    expect(listed.invitations.find((i: { email: string }) => i.email === email)).toMatchObject({ status: 'accepted', acceptedAt: expect.any(String) });
    // One entry per change, written in the change's transaction; the acceptance is the new user's own.
    const log = (await app.inject({ url: '/api/audit?limit=500', headers: admin })).json().entries as { action: string; requestId: string; actorId: number; outcome: number }[];
    expect(log.filter((e) => e.requestId === invited.headers['x-request-id'])).toMatchObject([{ action: 'invitation.created', outcome: 200 }]);
    expect(log.filter((e) => e.requestId === accepted.headers['x-request-id'])).toMatchObject([{ action: 'invitation.accepted', actorId: accepted.json().user.id }]);
    expect(JSON.stringify(log)).not.toContain(token);
  });

  it('refuses expired, revoked and replaced links with reasons; resend issues a new link; only owners invite owners', async () => {
    const admin = await signIn(`admin-${ws.id}@example.com`, 'admin-password');
    expect((await app.inject({ method: 'POST', url: '/api/invitations', headers: admin, payload: { email: 'boss@example.com', role: 'owner' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/invitations', headers: admin, payload: { email: `owner-${ws.id}@example.com`, role: 'viewer' } })).json().error.message).toMatch(/already a member/);

    const email = `late-${ws.id}@example.com`;
    const first = (await app.inject({ method: 'POST', url: '/api/invitations', headers: admin, payload: { email, role: 'viewer' } })).json();
    const dup = await app.inject({ method: 'POST', url: '/api/invitations', headers: admin, payload: { email, role: 'viewer' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.message).toMatch(/open invitation.*resend/);
    const oldToken = linkToken(await waitForMail(smtp, email, /accept-invite/), 'accept-invite');

    clock.advance(invitationLifetimeMs + 1);
    const expired = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token: oldToken, name: 'Late', password: 'late-password' } });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error).toMatchObject({ message: expect.stringMatching(/expired: ask .* to resend/), details: { reason: 'expired', path: ['token'] } });
    const admin2 = await signIn(`admin-${ws.id}@example.com`, 'admin-password');
    expect((await app.inject({ url: '/api/invitations', headers: admin2 })).json().invitations.find((i: { id: number }) => i.id === first.invitation.id).status).toBe('expired');

    const resent = await app.inject({ method: 'POST', url: `/api/invitations/${first.invitation.id}/resend`, headers: admin2 });
    expect(resent.json()).toMatchObject({ invitation: { status: 'pending', sendCount: 2 }, delivery: { sent: true } });
    const newToken = linkToken(await waitForMail(smtp, email, /accept-invite/, 1), 'accept-invite');
    expect(newToken).not.toBe(oldToken);
    expect((await app.inject({ method: 'POST', url: '/api/invitations/preview', payload: { token: oldToken } })).json().error.details.reason).toBe('unknown');
    expect((await app.inject({ method: 'POST', url: '/api/invitations/preview', payload: { token: newToken } })).statusCode).toBe(200);

    const revoked = await app.inject({ method: 'POST', url: `/api/invitations/${first.invitation.id}/revoke`, headers: admin2 });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    const refused = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token: newToken, name: 'Late', password: 'late-password' } });
    expect(refused.json().error).toMatchObject({ message: expect.stringMatching(/withdrawn/), details: { reason: 'revoked' } });
    expect((await app.inject({ method: 'POST', url: `/api/invitations/${first.invitation.id}/resend`, headers: admin2 })).statusCode).toBe(409);
  });

  it('without an email provider hands the link to the inviter; an existing account joins with its own password and switches workspace', async () => {
    const owner = await signIn(`owner-${bare.id}@example.com`, 'bare-password');
    const email = `admin-${ws.id}@example.com`;
    const invited = await app.inject({ method: 'POST', url: '/api/invitations', headers: owner, payload: { email, role: 'operator' } });
    expect(invited.json()).toMatchObject({ invitation: { sendCount: 0, sentAt: null }, delivery: { sent: false, reason: 'no_smtp', message: expect.stringMatching(/pass this link/) } });
    const link = invited.json().delivery.acceptUrl as string;
    expect(link).toMatch(/\/accept-invite#token=/);
    const token = decodeURIComponent(link.split('#token=')[1]!);
    expect((await app.inject({ url: '/api/invitations', headers: owner })).json().emailConfigured).toBe(false);

    expect((await app.inject({ method: 'POST', url: '/api/invitations/preview', payload: { token } })).json()).toMatchObject({ accountExists: true, role: 'operator' });
    // Whoever holds the link cannot take over an existing account: its password is needed.
    const guessed = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, name: 'x', password: 'not-their-password' } });
    expect(guessed.statusCode).toBe(401);
    expect(guessed.json().error.message).toMatch(/already has a Patron account: enter its password/);
    const joined = await app.inject({ method: 'POST', url: '/api/invitations/accept', payload: { token, password: 'admin-password' } });
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json()).toMatchObject({ workspace: { id: bare.id }, user: { name: 'Adam Admin', role: 'operator' } });
    const inBare = headersOf(joined);
    expect((await app.inject({ url: '/api/users', headers: inBare })).statusCode).toBe(403);

    const workspaces = (await app.inject({ url: '/api/session/workspaces', headers: inBare })).json();
    expect(workspaces.current).toBe(bare.id);
    expect(workspaces.workspaces.map((w: { workspaceId: number; role: string }) => [w.workspaceId, w.role]).sort()).toEqual(
      [
        [ws.id, 'admin'],
        [bare.id, 'operator'],
      ].sort(),
    );
    const switched = await app.inject({ method: 'POST', url: '/api/session/workspace', headers: inBare, payload: { workspaceId: ws.id } });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json()).toMatchObject({ workspace: { id: ws.id }, user: { role: 'admin' } });
    const inAcme = headersOf(switched);
    expect((await app.inject({ url: '/api/users', headers: inAcme })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/session', headers: inBare })).statusCode).toBe(401);
    const notMember = await app.inject({ method: 'POST', url: '/api/session/workspace', headers: inAcme, payload: { workspaceId: (await testWorkspace(h.db)).id } });
    expect(notMember.statusCode).toBe(404);
    expect(notMember.json().error.message).toMatch(/not a member/);

    // The owner of the other workspace manages the membership, not the person: no password or name changes.
    const adamId = joined.json().user.id as number;
    const takeover = await app.inject({ method: 'PATCH', url: `/api/users/${adamId}`, headers: owner, payload: { password: 'owned-by-bea' } });
    expect(takeover.statusCode).toBe(403);
    expect(takeover.json().error.message).toMatch(/other workspaces/);
    const disabled = await app.inject({ method: 'PATCH', url: `/api/users/${adamId}`, headers: owner, payload: { disabled: true } });
    expect(disabled.json()).toMatchObject({ disabled: true });
    expect((await app.inject({ url: '/api/session', headers: inAcme })).statusCode).toBe(200);
    const back = await app.inject({ method: 'POST', url: '/api/session/workspace', headers: inAcme, payload: { workspaceId: bare.id } });
    expect(back.statusCode).toBe(404);
  });

  it('password reset: the same answer for any email, a single-use expiring link by email, and every session of the account ends', async () => {
    const email = `owner-${ws.id}@example.com`;
    const phone = await signIn(email, 'owner-password');
    const laptop = await signIn(email, 'owner-password');
    const known = await app.inject({ method: 'POST', url: '/api/password-reset', payload: { email } });
    const unknown = await app.inject({ method: 'POST', url: '/api/password-reset', payload: { email: `nobody-${ws.id}@example.com` } });
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe(known.body);
    expect(await h.db.selectFrom('password_resets').select('id').execute()).toHaveLength(1);
    const token = linkToken(await waitForMail(smtp, email, /reset-password/), 'reset-password');
    expect(smtp.mails.some((m) => m.to.includes(`nobody-${ws.id}@example.com`))).toBe(false);

    const short = await app.inject({ method: 'POST', url: '/api/password-reset/confirm', payload: { token, password: 'short' } });
    expect(short.statusCode).toBe(400);
    const done = await app.inject({ method: 'POST', url: '/api/password-reset/confirm', payload: { token, password: 'a brand new passphrase' } });
    expect(done.statusCode, done.body).toBe(200);
    expect((await app.inject({ url: '/api/session', headers: phone })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/session', headers: laptop })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/session', payload: { email, password: 'owner-password' } })).statusCode).toBe(401);
    const fresh = await signIn(email, 'a brand new passphrase');
    const reused = await app.inject({ method: 'POST', url: '/api/password-reset/confirm', payload: { token, password: 'yet another passphrase' } });
    expect(reused.json().error).toMatchObject({ message: expect.stringMatching(/already been used/), details: { reason: 'used' } });

    await app.inject({ method: 'POST', url: '/api/password-reset', payload: { email } });
    const later = linkToken(await waitForMail(smtp, email, /reset-password/, 1), 'reset-password');
    clock.advance(passwordResetLifetimeMs + 1);
    const expired = await app.inject({ method: 'POST', url: '/api/password-reset/confirm', payload: { token: later, password: 'yet another passphrase' } });
    expect(expired.json().error).toMatchObject({ message: expect.stringMatching(/expired: request a new one/), details: { reason: 'expired' } });
    const bogus = await app.inject({ method: 'POST', url: '/api/password-reset/confirm', payload: { token: 'guessed-token', password: 'yet another passphrase' } });
    expect(bogus.json().error.details.reason).toBe('unknown');

    const log = (await app.inject({ url: '/api/audit?action=password_reset&limit=50', headers: fresh })).json().entries as { action: string; details: { sessionsEnded?: number } }[];
    expect(log.map((e) => e.action).sort()).toEqual(['password_reset.completed', 'password_reset.requested', 'password_reset.requested']);
    expect(log.find((e) => e.action === 'password_reset.completed')!.details.sessionsEnded).toBe(2);
  });

  it('writes a change and its audit entry in one transaction: when the entry cannot be written, the change does not happen', async () => {
    const owner = await signIn(`owner-${bare.id}@example.com`, 'bare-password');
    const created = (await app.inject({ method: 'POST', url: '/api/invitations', headers: owner, payload: { email: `atomic-${bare.id}@example.com`, role: 'viewer' } })).json();
    await sql.raw(`CREATE FUNCTION refuse_revoke_entry() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.action = 'invitation.revoked' THEN RAISE EXCEPTION 'audit store refused'; END IF; RETURN NEW; END $$`).execute(h.db);
    await sql.raw(`CREATE TRIGGER refuse_revoke_entry BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_revoke_entry()`).execute(h.db);
    try {
      const revoke = await app.inject({ method: 'POST', url: `/api/invitations/${created.invitation.id}/revoke`, headers: owner });
      expect(revoke.statusCode).toBe(500);
    } finally {
      await sql.raw('DROP TRIGGER refuse_revoke_entry ON audit_log').execute(h.db);
      await sql.raw('DROP FUNCTION refuse_revoke_entry()').execute(h.db);
    }
    const listed = (await app.inject({ url: '/api/invitations', headers: owner })).json().invitations;
    expect(listed.find((i: { id: number }) => i.id === created.invitation.id)).toMatchObject({ status: 'pending', revokedAt: null });
    // The failed request is still on record, with its outcome, written by the hook after the rollback.
    const log = (await app.inject({ url: '/api/audit?limit=20', headers: owner })).json().entries as { action: string; outcome: number }[];
    expect(log.find((e) => e.action === 'POST /api/invitations/:id/revoke')).toMatchObject({ outcome: 500 });
  });

  it('limits reset requests per email with 429 whether or not the email has an account', async () => {
    const limited = await buildApp({ db: h.db, store: h.kind, clock, rateLimits: { loginIp: { burst: 100, perSecond: 1 }, loginEmail: { burst: 2, perSecond: 0.001 } } });
    try {
      for (const email of [`admin-${ws.id}@example.com`, `ghost-${ws.id}@example.com`]) {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await limited.inject({ method: 'POST', url: '/api/password-reset', payload: { email } })).statusCode);
        expect(statuses).toEqual([200, 200, 429]);
      }
    } finally {
      await limited.close();
    }
  });
});
