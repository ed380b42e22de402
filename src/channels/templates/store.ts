import { type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../../access/index.ts';
import type { Database } from '../../db/index.ts';
import { invalidInput, PatronError } from '../../lib/errors.ts';
import { loadRecipients } from '../audience.ts';
import { loadContactPolicy } from '../policy/settings.ts';
import type { MessageContent, RenderedMessage } from '../types.ts';
import { parseContent, renderContent } from './render.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A message's content as Liquid templates. */
export const messageContentSchema = z.object({
  subject: z.string().max(1000).optional(),
  text: z.string().min(1).max(20_000),
  html: z.string().max(500_000).optional(),
  wechatTemplateId: z.string().min(1).max(200).optional(),
  data: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, 'use letters, digits, _ and .'), z.string().max(2000)).optional(),
});

export const templateInputSchema = z.object({ name: z.string().trim().min(1).max(200), content: messageContentSchema });
export type TemplateInput = z.infer<typeof templateInputSchema>;

export interface MessageTemplate {
  readonly id: number;
  readonly name: string;
  readonly content: MessageContent;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

function toTemplate(row: { id: number; name: string; content: unknown; created_at: Date; updated_at: Date }): MessageTemplate {
  return { id: row.id, name: row.name, content: messageContentSchema.parse(row.content) as MessageContent, createdAt: row.created_at, updatedAt: row.updated_at };
}

function checked(input: TemplateInput): TemplateInput {
  parseContent(input.content as MessageContent);
  return input;
}

async function nameTaken<T>(work: Promise<T>, name: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new PatronError('conflict', `A template named "${name}" already exists`, { path: ['name'], value: name });
    throw error;
  }
}

/** Creates a template after checking that every part parses. */
export async function createTemplate(db: Db, workspaceId: number, input: TemplateInput, now: Date): Promise<MessageTemplate> {
  const t = checked(input);
  const row = await nameTaken(
    db
      .insertInto('message_templates')
      .values({ workspace_id: workspaceId, name: t.name, content: JSON.stringify(t.content), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow(),
    t.name,
  );
  return toTemplate(row);
}

/** Replaces a template's name and content; messages already queued keep what they rendered. */
export async function updateTemplate(db: Db, workspaceId: number, id: number, input: TemplateInput, now: Date): Promise<MessageTemplate> {
  const t = checked(input);
  const row = await nameTaken(
    db
      .updateTable('message_templates')
      .set({ name: t.name, content: JSON.stringify(t.content), updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
    t.name,
  );
  if (!row) throw new PatronError('not_found', `Template ${id} does not exist`);
  return toTemplate(row);
}

export async function getTemplate(db: Db, workspaceId: number, id: number): Promise<MessageTemplate> {
  const row = await db.selectFrom('message_templates').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new PatronError('not_found', `Template ${id} does not exist`);
  return toTemplate(row);
}

export async function listTemplates(db: Db, workspaceId: number): Promise<MessageTemplate[]> {
  const rows = await db.selectFrom('message_templates').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
  return rows.map(toTemplate);
}

export async function deleteTemplate(db: Db, workspaceId: number, id: number): Promise<void> {
  const result = await db.deleteFrom('message_templates').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new PatronError('not_found', `Template ${id} does not exist`);
}

/**
 * Renders a content (or a stored template) for a chosen customer exactly as a send would, with the
 * unsubscribe link shown as a placeholder; a missing variable is an invalid_input error naming it.
 */
export async function previewContent(
  db: Kysely<Database>,
  workspace: Workspace,
  input: { content: MessageContent | { templateId: number }; customerId: number; variables?: Record<string, unknown> },
): Promise<RenderedMessage> {
  const content = 'templateId' in input.content ? (await getTemplate(db, workspace.id, input.content.templateId)).content : input.content;
  return db.transaction().execute(async (trx) => {
    const { policy } = await loadContactPolicy(trx, workspace.id);
    const recipients = await loadRecipients(trx, workspace.id, [input.customerId], policy.preferredChannelAttribute);
    const recipient = recipients.get(input.customerId);
    if (!recipient) throw invalidInput(`Customer ${input.customerId} does not exist`, { path: ['customerId'], value: input.customerId });
    return renderContent(content, { ...recipient.scope, ...input.variables, unsubscribe_url: 'https://example.invalid/unsubscribe-preview' });
  });
}

