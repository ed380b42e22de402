import { hash, verify } from '@node-rs/argon2';
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database, UserRole } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { recordAudit, scopedEntry, type AuditScope } from './audit.ts';
import { roles, type Role } from './permissions.ts';
import { createWorkspace, findWorkspaceBySlug, type Workspace } from './workspaces.ts';

/** A console user as a workspace sees them: the person (email, name) and their membership there (role, disabled). */
export interface User {
  readonly id: number;
  readonly workspaceId: number;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly lastLoginAt: Date | null;
  readonly disabled: boolean;
}

/** A person's account, independent of workspaces; workspaceId is the workspace it was created in. */
export interface Account {
  readonly id: number;
  readonly workspaceId: number;
  readonly email: string;
  readonly name: string;
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'give an email address such as name@example.com' }).max(254));
// NIST SP 800-63B §5.1.1.2: at least 8 characters, allow long passphrases, no composition rules.
export const passwordSchema = z.string().min(8, 'use at least 8 characters').max(256, 'use at most 256 characters');
export const userNameSchema = z.string().trim().min(1).max(200);

export const createUserSchema = z.object({
  email: emailSchema,
  name: userNameSchema,
  password: passwordSchema,
  role: z.enum(roles),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const updateUserSchema = z.object({
  name: userNameSchema.optional(),
  role: z.enum(roles).optional(),
  password: passwordSchema.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserInput = z.input<typeof updateUserSchema>;

export const setupSchema = z.object({
  workspace: z.object({ slug: z.string(), name: z.string().trim().min(1).max(200) }).describe('The workspace to create, or an existing one (by slug) that has no users'),
  email: emailSchema,
  name: userNameSchema,
  password: passwordSchema,
});
export type SetupInput = z.input<typeof setupSchema>;

interface MemberRow {
  id: number;
  workspace_id: number;
  email: string;
  name: string;
  role: UserRole;
  created_at: Date;
  last_login_at: Date | null;
  disabled_at: Date | null;
}

function toUser(row: MemberRow): User {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    disabled: row.disabled_at !== null,
  };
}

/** Users joined with their memberships: one row per (workspace, user). */
function members(db: Kysely<Database>) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'm.workspace_id', 'u.email', 'u.name', 'm.role', 'm.created_at', 'u.last_login_at', 'm.disabled_at']);
}

/** argon2id with the library's defaults (19 MiB, 2 passes: OWASP's minimum recommendation). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/** Creates an account and its first membership, inside the caller's transaction. */
export async function insertAccount(
  trx: Transaction<Database>,
  workspaceId: number,
  input: { email: string; name: string; passwordHash: string; role: Role; firstOwner?: boolean },
): Promise<User> {
  const account = await trx
    .insertInto('users')
    .values({ workspace_id: workspaceId, email: input.email, name: input.name, password_hash: input.passwordHash, first_owner: input.firstOwner ?? false })
    .returningAll()
    .executeTakeFirstOrThrow();
  const membership = await trx.insertInto('memberships').values({ workspace_id: workspaceId, user_id: account.id, role: input.role }).returningAll().executeTakeFirstOrThrow();
  return toUser({ ...account, workspace_id: workspaceId, role: membership.role, created_at: membership.created_at, disabled_at: null });
}

async function insertUser(db: Kysely<Database>, workspaceId: number, input: z.output<typeof createUserSchema>, firstOwner: boolean, audit?: AuditScope): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction().execute(async (trx) => {
      const user = await insertAccount(trx, workspaceId, { email: input.email, name: input.name, passwordHash, role: input.role, firstOwner });
      if (audit) await recordAudit(trx, scopedEntry(audit, { workspaceId, targetType: 'user', targetId: user.id, after: { role: user.role, disabled: false } }));
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error) && !firstOwner) {
      throw new PatronError('conflict', `${input.email} already has a Patron account: invite them instead (an invitation adds the account to this workspace)`, { path: ['email'] });
    }
    if (isUniqueViolation(error)) throw new PatronError('conflict', 'The first owner has already been created: sign in instead', { path: ['email'] });
    throw error;
  }
}

/** Adds a console user (a new account) to a workspace. */
export async function createUser(db: Kysely<Database>, workspaceId: number, input: CreateUserInput): Promise<User> {
  return insertUser(db, workspaceId, createUserSchema.parse(input), false);
}

/** Whether the installation still needs its first owner (no console user exists anywhere). */
export async function setupNeeded(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

/**
 * First run: creates the owner (and the workspace, unless one with that slug exists and has no users).
 * Only possible while no user exists at all; two setups racing each other cannot both win, because the
 * unique index users_first_owner admits one first owner.
 */
export async function setupFirstOwner(db: Kysely<Database>, input: SetupInput): Promise<{ workspace: Workspace; user: User }> {
  const s = setupSchema.parse(input);
  if (!(await setupNeeded(db))) throw new PatronError('conflict', 'This installation already has users: sign in, or ask an owner to invite you');
  const workspace = (await findWorkspaceBySlug(db, s.workspace.slug)) ?? (await createWorkspace(db, { slug: s.workspace.slug, name: s.workspace.name }));
  const user = await insertUser(db, workspace.id, { email: s.email, name: s.name, password: s.password, role: 'owner' }, true);
  return { workspace, user };
}

// A hash of a random password, verified when the email is unknown, so that an unknown email takes as long
// to refuse as a wrong password (no user enumeration by timing).
let decoyHash: Promise<string> | undefined;

/** Spends the time of one password check, for answers that must not reveal whether an account exists. */
export async function verifyDecoy(password: string): Promise<void> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}`);
  await verify(await decoyHash, password);
}

/** Whether a password is the account's (false for an unknown account, after the same work). */
export async function checkAccountPassword(db: Kysely<Database>, userId: number | undefined, password: string): Promise<boolean> {
  const row = userId === undefined ? undefined : await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  if (!row) {
    await verifyDecoy(password);
    return false;
  }
  return verify(row.password_hash, password);
}

/**
 * Checks an email and password and picks the workspace to open: the active membership used most
 * recently. Gives undefined for any mismatch (unknown email, wrong password, no active membership).
 */
export async function verifyPassword(db: Kysely<Database>, email: string, password: string, now: Date): Promise<User | undefined> {
  const account = await findUserByEmail(db, email);
  if (!(await checkAccountPassword(db, account?.id, password)) || !account) return undefined;
  const membership = await members(db)
    .where('m.user_id', '=', account.id)
    .where('m.disabled_at', 'is', null)
    .orderBy(sql`m.last_used_at DESC NULLS LAST`)
    .orderBy('m.created_at')
    .executeTakeFirst();
  if (!membership) return undefined;
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ last_login_at: now }).where('id', '=', account.id).execute();
    await trx.updateTable('memberships').set({ last_used_at: now }).where('workspace_id', '=', membership.workspace_id).where('user_id', '=', account.id).execute();
  });
  return toUser({ ...membership, last_login_at: now });
}

/** Finds an account by email, or undefined. */
export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<Account | undefined> {
  const row = await db.selectFrom('users').select(['id', 'workspace_id', 'email', 'name']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return row ? { id: row.id, workspaceId: row.workspace_id, email: row.email, name: row.name } : undefined;
}

/** The workspaces where an account has an active membership (audit entries about the person go to each). */
export async function memberWorkspaceIds(db: Kysely<Database>, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('memberships').select('workspace_id').where('user_id', '=', userId).where('disabled_at', 'is', null).orderBy('workspace_id').execute();
  return rows.map((r) => r.workspace_id);
}

/** The users of a workspace, by email. */
export async function listUsers(db: Kysely<Database>, workspaceId: number): Promise<User[]> {
  const rows = await members(db).where('m.workspace_id', '=', workspaceId).orderBy('u.email').execute();
  return rows.map(toUser);
}

/** One user of a workspace, or undefined. */
export async function getUser(db: Kysely<Database>, workspaceId: number, id: number): Promise<User | undefined> {
  const row = await members(db).where('m.workspace_id', '=', workspaceId).where('u.id', '=', id).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/**
 * Changes a user's name, role, password or disabled state in a workspace. Only an owner may create,
 * change or disable an owner, and the last active owner can be neither demoted nor disabled (a workspace
 * keeps someone who can manage it). Name and password belong to the person, so they can be set only for
 * a user who belongs to this workspace alone: otherwise an admin here could take over their access to
 * other workspaces. Disabling ends the user's sessions in this workspace; a new password ends all of them.
 */
export async function updateUser(
  db: Kysely<Database>,
  actor: { workspaceId: number; role: Role | undefined },
  id: number,
  input: UpdateUserInput,
  audit?: AuditScope,
): Promise<{ before: User; after: User }> {
  const u = updateUserSchema.parse(input);
  const passwordHash = u.password === undefined ? undefined : await hashPassword(u.password);
  return db.transaction().execute(async (trx) => {
    // Lock the workspace's owners, so two admins demoting the last two owners at once cannot both succeed.
    const owners = await trx.selectFrom('memberships').select(['user_id']).where('workspace_id', '=', actor.workspaceId).where('role', '=', 'owner').where('disabled_at', 'is', null).forUpdate().execute();
    const membership = await trx.selectFrom('memberships').selectAll().where('workspace_id', '=', actor.workspaceId).where('user_id', '=', id).forUpdate().executeTakeFirst();
    if (!membership) throw new PatronError('not_found', `User ${id} does not exist in this workspace`, { path: ['id'], value: id });
    const before = (await getUser(trx, actor.workspaceId, id))!;
    const touchesOwner = membership.role === 'owner' || u.role === 'owner';
    if (touchesOwner && actor.role !== 'owner') throw new PatronError('forbidden', 'Only an owner can change an owner or make someone an owner', { path: ['role'] });
    const losesOwner = membership.role === 'owner' && membership.disabled_at === null && ((u.role !== undefined && u.role !== 'owner') || u.disabled === true);
    if (losesOwner && owners.length <= 1) throw new PatronError('conflict', 'This is the last owner of the workspace: make someone else an owner first', { path: ['role'] });
    if (u.name !== undefined || passwordHash !== undefined) {
      const elsewhere = await trx.selectFrom('memberships').select('workspace_id').where('user_id', '=', id).where('workspace_id', '<>', actor.workspaceId).executeTakeFirst();
      if (elsewhere) {
        throw new PatronError('forbidden', 'This user also belongs to other workspaces, so only they can change their name or password (they can reset a forgotten password from the sign-in page)', {
          path: [u.password === undefined ? 'name' : 'password'],
        });
      }
      await trx
        .updateTable('users')
        .set({ ...(u.name === undefined ? {} : { name: u.name }), ...(passwordHash === undefined ? {} : { password_hash: passwordHash }) })
        .where('id', '=', id)
        .execute();
    }
    if (u.role !== undefined || u.disabled !== undefined) {
      await trx
        .updateTable('memberships')
        .set({
          ...(u.role === undefined ? {} : { role: u.role }),
          ...(u.disabled === undefined ? {} : { disabled_at: u.disabled ? (membership.disabled_at ?? sql<Date>`now()`) : null }),
        })
        .where('workspace_id', '=', actor.workspaceId)
        .where('user_id', '=', id)
        .execute();
    }
    if (passwordHash !== undefined) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    else if (u.disabled === true) await trx.deleteFrom('sessions').where('workspace_id', '=', actor.workspaceId).where('user_id', '=', id).execute();
    const after = (await getUser(trx, actor.workspaceId, id))!;
    if (audit) {
      const view = (x: User) => ({ name: x.name, role: x.role, disabled: x.disabled });
      await recordAudit(trx, scopedEntry(audit, { workspaceId: actor.workspaceId, targetType: 'user', targetId: id, before: view(before), after: view(after), details: u.password === undefined ? {} : { passwordChanged: true } }));
    }
    return { before, after };
  });
}

export const changePasswordSchema = z.object({ currentPassword: z.string().max(256), newPassword: passwordSchema });

/**
 * A signed-in user changes their own password, proving the current one. Their other sessions (in every
 * workspace) end; the one making the change stays (its id is kept).
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  user: { workspaceId: number; id: number; sessionId: number },
  input: z.input<typeof changePasswordSchema>,
  audit?: AuditScope,
): Promise<void> {
  const p = changePasswordSchema.parse(input);
  if (!(await checkAccountPassword(db, user.id, p.currentPassword))) {
    throw new PatronError('invalid_input', 'The current password is wrong', { path: ['currentPassword'] });
  }
  const passwordHash = await hashPassword(p.newPassword);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', user.id).where('id', '<>', user.sessionId).execute();
    if (audit) await recordAudit(trx, scopedEntry(audit, { workspaceId: user.workspaceId, targetType: 'user', targetId: user.id }));
  });
}

/** Adds a user with an initial password as an actor may: only owners create owners. */
export async function addUser(db: Kysely<Database>, actor: { workspaceId: number; role: Role | undefined }, input: CreateUserInput, audit?: AuditScope): Promise<User> {
  const parsed = createUserSchema.parse(input);
  if (parsed.role === 'owner' && actor.role !== 'owner') throw new PatronError('forbidden', 'Only an owner can make someone an owner', { path: ['role'] });
  return insertUser(db, actor.workspaceId, parsed, false, audit);
}

/** The documented demo sign-in (README, `patron demo`): an owner of the demo workspace; remove it in production. */
export const demoLogin = { email: 'demo@patron.dev', password: 'patron-demo', name: 'Demo Owner' } as const;

/** Creates the demo owner in the demo workspace; nothing to do when it is a member there, a conflict when the email belongs elsewhere. */
export async function ensureDemoUser(db: Kysely<Database>, workspaceId: number): Promise<void> {
  const existing = await findUserByEmail(db, demoLogin.email);
  if (existing && (await getUser(db, workspaceId, existing.id))) return;
  if (existing) throw new PatronError('conflict', `The documented demo login ${demoLogin.email} already belongs to workspace ${existing.workspaceId}; remove that user first`);
  await insertUser(db, workspaceId, { email: demoLogin.email, name: demoLogin.name, password: demoLogin.password, role: 'owner' }, false);
}
