import { hash, verify } from '@node-rs/argon2';
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, UsersTable } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { roles, type Role } from './permissions.ts';
import { createWorkspace, findWorkspaceBySlug, type Workspace } from './workspaces.ts';

/** A console user as the API shows it (never the password hash). */
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

const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'give an email address such as name@example.com' }).max(254));
// NIST SP 800-63B §5.1.1.2: at least 8 characters, allow long passphrases, no composition rules.
const passwordSchema = z.string().min(8, 'use at least 8 characters').max(256, 'use at most 256 characters');

export const createUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().min(1).max(200),
  password: passwordSchema,
  role: z.enum(roles),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const updateUserSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  role: z.enum(roles).optional(),
  password: passwordSchema.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserInput = z.input<typeof updateUserSchema>;

export const setupSchema = z.object({
  workspace: z.object({ slug: z.string(), name: z.string().trim().min(1).max(200) }).describe('The workspace to create, or an existing one (by slug) that has no users'),
  email: emailSchema,
  name: z.string().trim().min(1).max(200),
  password: passwordSchema,
});
export type SetupInput = z.input<typeof setupSchema>;

function toUser(row: Selectable<UsersTable>): User {
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

/** argon2id with the library's defaults (19 MiB, 2 passes: OWASP's minimum recommendation). */
function hashPassword(password: string): Promise<string> {
  return hash(password);
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

async function insertUser(db: Kysely<Database>, workspaceId: number, input: z.output<typeof createUserSchema>, firstOwner: boolean): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await db
      .insertInto('users')
      .values({ workspace_id: workspaceId, email: input.email, name: input.name, role: input.role, password_hash: passwordHash, first_owner: firstOwner })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  } catch (error) {
    if (isUniqueViolation(error) && !firstOwner) {
      throw new PatronError('conflict', `A user with email ${input.email} already exists; each email signs in to one workspace`, { path: ['email'] });
    }
    if (isUniqueViolation(error)) throw new PatronError('conflict', 'The first owner has already been created: sign in instead', { path: ['email'] });
    throw error;
  }
}

/** Adds a console user to a workspace. */
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

/** Checks an email and password; gives the user, or undefined for any mismatch (unknown, wrong, disabled). */
export async function verifyPassword(db: Kysely<Database>, email: string, password: string, now: Date): Promise<User | undefined> {
  const normalized = email.trim().toLowerCase();
  const row = await db.selectFrom('users').selectAll().where('email', '=', normalized).executeTakeFirst();
  if (!row) {
    decoyHash ??= hashPassword(`decoy-${Math.random()}`);
    await verify(await decoyHash, password);
    return undefined;
  }
  if (!(await verify(row.password_hash, password)) || row.disabled_at !== null) return undefined;
  await db.updateTable('users').set({ last_login_at: now }).where('workspace_id', '=', row.workspace_id).where('id', '=', row.id).execute();
  return toUser({ ...row, last_login_at: now });
}

/** Finds a user by email (any workspace), or undefined. */
export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** The users of a workspace, by email. */
export async function listUsers(db: Kysely<Database>, workspaceId: number): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).orderBy('email').execute();
  return rows.map(toUser);
}

/**
 * Changes a user's name, role, password or disabled state. Only an owner may create, change or disable
 * an owner, and the last active owner can be neither demoted nor disabled (a workspace keeps someone who
 * can manage it). Disabling a user or changing a password ends the user's sessions.
 */
export async function updateUser(
  db: Kysely<Database>,
  actor: { workspaceId: number; role: Role | undefined },
  id: number,
  input: UpdateUserInput,
): Promise<{ before: User; after: User }> {
  const u = updateUserSchema.parse(input);
  const passwordHash = u.password === undefined ? undefined : await hashPassword(u.password);
  return db.transaction().execute(async (trx) => {
    // Lock the workspace's owners, so two admins demoting the last two owners at once cannot both succeed.
    const owners = await trx.selectFrom('users').select(['id']).where('workspace_id', '=', actor.workspaceId).where('role', '=', 'owner').where('disabled_at', 'is', null).forUpdate().execute();
    const row = await trx.selectFrom('users').selectAll().where('workspace_id', '=', actor.workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new PatronError('not_found', `User ${id} does not exist in this workspace`, { path: ['id'], value: id });
    const touchesOwner = row.role === 'owner' || u.role === 'owner';
    if (touchesOwner && actor.role !== 'owner') throw new PatronError('forbidden', 'Only an owner can change an owner or make someone an owner', { path: ['role'] });
    const losesOwner = row.role === 'owner' && row.disabled_at === null && ((u.role !== undefined && u.role !== 'owner') || u.disabled === true);
    if (losesOwner && owners.length <= 1) throw new PatronError('conflict', 'This is the last owner of the workspace: make someone else an owner first', { path: ['role'] });
    if (u.name === undefined && u.role === undefined && passwordHash === undefined && u.disabled === undefined) return { before: toUser(row), after: toUser(row) };
    const updated = await trx
      .updateTable('users')
      .set({
        ...(u.name === undefined ? {} : { name: u.name }),
        ...(u.role === undefined ? {} : { role: u.role }),
        ...(passwordHash === undefined ? {} : { password_hash: passwordHash }),
        ...(u.disabled === undefined ? {} : { disabled_at: u.disabled ? (row.disabled_at ?? sql<Date>`now()`) : null }),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (u.disabled === true || passwordHash !== undefined) {
      await trx.deleteFrom('sessions').where('workspace_id', '=', actor.workspaceId).where('user_id', '=', id).execute();
    }
    return { before: toUser(row), after: toUser(updated) };
  });
}

export const changePasswordSchema = z.object({ currentPassword: z.string().max(256), newPassword: passwordSchema });

/**
 * A signed-in user changes their own password, proving the current one. Their other sessions end; the
 * one making the change stays (its id is kept).
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  user: { workspaceId: number; id: number; sessionId: number },
  input: z.input<typeof changePasswordSchema>,
): Promise<void> {
  const p = changePasswordSchema.parse(input);
  const row = await db.selectFrom('users').select('password_hash').where('workspace_id', '=', user.workspaceId).where('id', '=', user.id).executeTakeFirst();
  if (!row || !(await verify(row.password_hash, p.currentPassword))) {
    throw new PatronError('invalid_input', 'The current password is wrong', { path: ['currentPassword'] });
  }
  const passwordHash = await hashPassword(p.newPassword);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('workspace_id', '=', user.workspaceId).where('id', '=', user.id).execute();
    await trx.deleteFrom('sessions').where('workspace_id', '=', user.workspaceId).where('user_id', '=', user.id).where('id', '<>', user.sessionId).execute();
  });
}

/** Adds a user as an actor may: only owners create owners. */
export async function inviteUser(db: Kysely<Database>, actor: { workspaceId: number; role: Role | undefined }, input: CreateUserInput): Promise<User> {
  const parsed = createUserSchema.parse(input);
  if (parsed.role === 'owner' && actor.role !== 'owner') throw new PatronError('forbidden', 'Only an owner can make someone an owner', { path: ['role'] });
  return insertUser(db, actor.workspaceId, parsed, false);
}

/** The documented demo sign-in (README, `patron demo`): an owner of the demo workspace; remove it in production. */
export const demoLogin = { email: 'demo@patron.dev', password: 'patron-demo', name: 'Demo Owner' } as const;

/** Creates the demo owner in the demo workspace; nothing to do when it exists there, a conflict when the email belongs elsewhere. */
export async function ensureDemoUser(db: Kysely<Database>, workspaceId: number): Promise<void> {
  const existing = await findUserByEmail(db, demoLogin.email);
  if (existing?.workspaceId === workspaceId) return;
  if (existing) throw new PatronError('conflict', `The documented demo login ${demoLogin.email} already belongs to workspace ${existing.workspaceId}; remove that user first`);
  await insertUser(db, workspaceId, { email: demoLogin.email, name: demoLogin.name, password: demoLogin.password, role: 'owner' }, false);
}
