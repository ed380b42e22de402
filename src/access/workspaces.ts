import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, WorkspacesTable } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';

/** Identity types, from the most to the least specific: the order decides which profile wins a conflict. */
export const identityTypes = ['external_id', 'wechat_unionid', 'email', 'phone', 'wechat_openid', 'anonymous_id'] as const;
export type IdentityType = (typeof identityTypes)[number];

/** Per-workspace settings stored in workspaces.settings; every field has a default. */
export const workspaceSettingsSchema = z.object({
  /**
   * How many identities of a type one profile may hold. A link that would exceed a limit is refused
   * and recorded as an identity conflict instead of merging (e.g. email: 1 stops two different emails
   * claiming one phone from fusing two people).
   */
  identityLimits: z.partialRecord(z.enum(identityTypes), z.number().int().min(1)).default({ external_id: 1, wechat_unionid: 1 }),
});
export type WorkspaceSettings = z.infer<typeof workspaceSettingsSchema>;

/** A workspace as the domain functions need it. */
export interface Workspace {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  /** ISO 3166 country used to read phone numbers written without a country code. */
  readonly defaultCountry: string;
  readonly currency: string;
  readonly timezone: string;
  readonly settings: WorkspaceSettings;
}

export const createWorkspaceSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes'),
  name: z.string().min(1).max(200),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/).default('CN'),
  currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
  timezone: z.string().min(1).default('Asia/Shanghai'),
  settings: workspaceSettingsSchema.partial().default({}),
});
export type CreateWorkspaceInput = z.input<typeof createWorkspaceSchema>;

function toWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    defaultCountry: row.default_country,
    currency: row.currency,
    timezone: row.timezone,
    settings: workspaceSettingsSchema.parse(row.settings),
  };
}

/** Creates a workspace; a taken slug is a conflict. */
export async function createWorkspace(db: Kysely<Database>, input: CreateWorkspaceInput): Promise<Workspace> {
  const w = createWorkspaceSchema.parse(input);
  const row = await db
    .insertInto('workspaces')
    .values({
      slug: w.slug,
      name: w.name,
      default_country: w.defaultCountry,
      currency: w.currency,
      timezone: w.timezone,
      settings: JSON.stringify(workspaceSettingsSchema.parse(w.settings)),
    })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new PatronError('conflict', `A workspace with slug "${w.slug}" already exists`, { path: ['slug'], value: w.slug });
  return toWorkspace(row);
}

/** Finds a workspace by id. */
export async function getWorkspace(db: Kysely<Database>, id: number): Promise<Workspace> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new PatronError('not_found', `Workspace ${id} does not exist`);
  return toWorkspace(row);
}

/** Finds a workspace by slug, or undefined. */
export async function findWorkspaceBySlug(db: Kysely<Database>, slug: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/**
 * Replaces the settings this schema knows (validated). Keys other modules keep in the same column (the
 * demo loader's progress record) are left as they are.
 */
export async function updateWorkspaceSettings(db: Kysely<Database>, workspace: Workspace, settings: z.input<typeof workspaceSettingsSchema>): Promise<Workspace> {
  const parsed = workspaceSettingsSchema.parse(settings);
  await db
    .updateTable('workspaces')
    .set({ settings: sql`settings || ${JSON.stringify(parsed)}::jsonb` })
    .where('id', '=', workspace.id)
    .execute();
  return { ...workspace, settings: parsed };
}
