import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { csvLine } from '../lib/csv.ts';
import { fromMinorUnits } from '../lib/money.ts';
import { getSegment } from './segments.ts';

type Db = Kysely<Database>;

// Columns an export may choose, each an expression over the member (c), scores (sc), stats (st) and the
// membership (m). Identities are joined as one space-separated list per type.
const identityColumn = (type: string) =>
  sql`(SELECT string_agg(i.value, ' ' ORDER BY i.value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.type = ${type})`;
const exportColumns = {
  id: sql`c.id`,
  name: sql`c.name`,
  email: identityColumn('email'),
  phone: identityColumn('phone'),
  wechat_unionid: identityColumn('wechat_unionid'),
  external_id: identityColumn('external_id'),
  gender: sql`c.gender`,
  birthday: sql`c.birthday`,
  city: sql`c.city`,
  province: sql`c.province`,
  country: sql`c.country`,
  acquisition_channel: sql`c.acquisition_channel`,
  signed_up_at: sql`c.signed_up_at`,
  rfm_segment: sql`sc.rfm_segment`,
  lifecycle_stage: sql`sc.lifecycle_stage`,
  value_tier: sql`sc.value_tier`,
  clv: sql`sc.clv_minor`,
  p_alive: sql`sc.p_alive`,
  order_count: sql`st.order_count`,
  total_spent: sql`st.total_minor`,
  last_order_at: sql`st.last_order_at`,
  entered_at: sql`m.entered_at`,
} as const;
export type ExportColumn = keyof typeof exportColumns;
export const exportColumnNames = Object.keys(exportColumns) as ExportColumn[];
const moneyColumns = new Set<ExportColumn>(['clv', 'total_spent']);

export const memberExportSchema = z.object({
  columns: z
    .string()
    .default('id,name,email,phone,city,rfm_segment,lifecycle_stage,total_spent,entered_at')
    .transform((s, ctx) => {
      const names = s.split(',').map((c) => c.trim()).filter((c) => c !== '');
      const unknown = names.filter((c) => !(exportColumnNames as string[]).includes(c));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown column ${unknown.map((u) => `"${u}"`).join(', ')}; choose from ${exportColumnNames.join(', ')}` });
      if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'choose at least one column' });
      return names as ExportColumn[];
    })
    .describe(`Comma-separated columns: ${Object.keys(exportColumns).join(', ')}`),
});

const batchSize = 5000;

/** The current members of a segment as CSV lines (header first), read in keyset batches so memory stays flat. */
export async function* exportMembersCsv(db: Db, workspace: Workspace, segmentId: number, columns: readonly ExportColumn[]): AsyncGenerator<string> {
  await getSegment(db, workspace.id, segmentId);
  yield csvLine(columns);
  let after = 0;
  for (;;) {
    const selections = columns.map((c) => sql`${exportColumns[c]} AS ${sql.ref(c)}`);
    const rows = await sql<Record<string, unknown>>`
      SELECT c.id AS __id, ${sql.join(selections)}
      FROM segment_memberships m
      JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id
      LEFT JOIN customer_scores sc ON sc.workspace_id = c.workspace_id AND sc.customer_id = c.id
      LEFT JOIN customer_stats st ON st.workspace_id = c.workspace_id AND st.customer_id = c.id
      WHERE m.workspace_id = ${workspace.id} AND m.segment_id = ${segmentId} AND m.exited_at IS NULL AND m.customer_id > ${after}
      ORDER BY m.customer_id LIMIT ${batchSize}`.execute(db);
    let chunk = '';
    for (const row of rows.rows) {
      chunk += csvLine(columns.map((c) => (moneyColumns.has(c) && row[c] !== null ? fromMinorUnits(Math.round(Number(row[c])), workspace.currency) : row[c])));
    }
    if (chunk !== '') yield chunk;
    if (rows.rows.length < batchSize) return;
    after = Number(rows.rows[rows.rows.length - 1]!.__id);
  }
}

export const audienceExportSchema = z.object({
  format: z.enum(['meta', 'google']).default('meta').describe('meta: phone as digits with country code; google: phone in E.164 with "+"'),
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * An advertising custom-audience file: SHA-256 of the normalized email (lower case, trimmed) and phone
 * (E.164, or its digits for Meta) of each member. An email is included only with marketing consent by
 * email, a phone only with marketing consent by SMS or phone, and a member with neither is left out:
 * nobody reaches an ad platform without having agreed to marketing.
 */
export async function* exportAudienceCsv(db: Db, workspace: Workspace, segmentId: number, format: 'meta' | 'google'): AsyncGenerator<string> {
  await getSegment(db, workspace.id, segmentId);
  yield csvLine(['email_sha256', 'phone_sha256']);
  let after = 0;
  for (;;) {
    const rows = await sql<{ customer_id: number; email: string | null; phone: string | null }>`
      SELECT m.customer_id,
        (SELECT min(i.value) FROM identities i WHERE i.workspace_id = m.workspace_id AND i.customer_id = m.customer_id AND i.type = 'email'
           AND EXISTS (SELECT 1 FROM consents k WHERE k.workspace_id = m.workspace_id AND k.customer_id = m.customer_id
                       AND k.channel = 'email' AND k.purpose = 'marketing' AND k.status = 'opted_in')) AS email,
        (SELECT min(i.value) FROM identities i WHERE i.workspace_id = m.workspace_id AND i.customer_id = m.customer_id AND i.type = 'phone'
           AND EXISTS (SELECT 1 FROM consents k WHERE k.workspace_id = m.workspace_id AND k.customer_id = m.customer_id
                       AND k.channel IN ('sms', 'phone') AND k.purpose = 'marketing' AND k.status = 'opted_in')) AS phone
      FROM segment_memberships m
      WHERE m.workspace_id = ${workspace.id} AND m.segment_id = ${segmentId} AND m.exited_at IS NULL AND m.customer_id > ${after}
      ORDER BY m.customer_id LIMIT ${batchSize}`.execute(db);
    let chunk = '';
    for (const row of rows.rows) {
      if (row.email === null && row.phone === null) continue;
      const phone = row.phone === null ? null : format === 'meta' ? row.phone.replace(/^\+/, '') : row.phone;
      chunk += csvLine([row.email === null ? '' : sha256(row.email.trim().toLowerCase()), phone === null ? '' : sha256(phone)]);
    }
    if (chunk !== '') yield chunk;
    if (rows.rows.length < batchSize) return;
    after = rows.rows[rows.rows.length - 1]!.customer_id;
  }
}

export const membersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.coerce.number().int().min(0).default(0).describe('Cursor: the last customer id of the previous page'),
});

export interface SegmentMember {
  readonly customerId: number;
  readonly name: string | null;
  readonly city: string | null;
  readonly rfmSegment: string | null;
  readonly lifecycleStage: string | null;
  readonly totalSpentMinor: number;
  readonly enteredAt: Date;
}

/** A page of a segment's current members, in customer id order. */
export async function listMembers(db: Db, workspace: Workspace, segmentId: number, query: z.output<typeof membersQuerySchema>): Promise<{ members: SegmentMember[]; next: number | null }> {
  await getSegment(db, workspace.id, segmentId);
  const rows = await db
    .selectFrom('segment_memberships as m')
    .innerJoin('customers as c', (j) => j.onRef('c.workspace_id', '=', 'm.workspace_id').onRef('c.id', '=', 'm.customer_id'))
    .leftJoin('customer_scores as sc', (j) => j.onRef('sc.workspace_id', '=', 'm.workspace_id').onRef('sc.customer_id', '=', 'm.customer_id'))
    .leftJoin('customer_stats as st', (j) => j.onRef('st.workspace_id', '=', 'm.workspace_id').onRef('st.customer_id', '=', 'm.customer_id'))
    .select(['m.customer_id', 'c.name', 'c.city', 'sc.rfm_segment', 'sc.lifecycle_stage', 'st.total_minor', 'm.entered_at'])
    .where('m.workspace_id', '=', workspace.id)
    .where('m.segment_id', '=', segmentId)
    .where('m.exited_at', 'is', null)
    .where('m.customer_id', '>', query.after)
    .orderBy('m.customer_id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return {
    members: page.map((r) => ({
      customerId: r.customer_id,
      name: r.name,
      city: r.city,
      rfmSegment: r.rfm_segment,
      lifecycleStage: r.lifecycle_stage,
      totalSpentMinor: r.total_minor ?? 0,
      enteredAt: r.entered_at,
    })),
    next: rows.length > query.limit ? page[page.length - 1]!.customer_id : null,
  };
}

export interface SegmentSize {
  readonly day: string;
  readonly members: number;
  readonly entered: number;
  readonly exited: number;
}

/** Daily sizes of a segment, oldest first, over the last `days` days. */
export async function segmentSizes(db: Db, workspace: Workspace, segmentId: number, days: number): Promise<SegmentSize[]> {
  await getSegment(db, workspace.id, segmentId);
  return db
    .selectFrom('segment_sizes')
    .select(['day', 'members', 'entered', 'exited'])
    .where('workspace_id', '=', workspace.id)
    .where('segment_id', '=', segmentId)
    .orderBy('day', 'desc')
    .limit(days)
    .execute()
    .then((rows) => rows.reverse());
}

export interface CustomerMembership {
  readonly segmentId: number;
  readonly segmentName: string;
  readonly enteredAt: Date;
  readonly exitedAt: Date | null;
}

/** Every stay of one customer in any live segment, newest first: the customer's membership history. */
export async function customerMemberships(db: Db, workspace: Workspace, customerId: number): Promise<CustomerMembership[]> {
  const rows = await db
    .selectFrom('segment_memberships as m')
    .innerJoin('segments as s', (j) => j.onRef('s.workspace_id', '=', 'm.workspace_id').onRef('s.id', '=', 'm.segment_id'))
    .select(['m.segment_id', 's.name', 'm.entered_at', 'm.exited_at'])
    .where('m.workspace_id', '=', workspace.id)
    .where('m.customer_id', '=', customerId)
    .where('s.archived_at', 'is', null)
    .orderBy('m.entered_at', 'desc')
    .orderBy('m.id', 'desc')
    .execute();
  return rows.map((r) => ({ segmentId: r.segment_id, segmentName: r.name, enteredAt: r.entered_at, exitedAt: r.exited_at }));
}

/** The ids of a segment's current members in batches (customer id order), for bulk actions such as issuing coupons. */
export async function* memberIdBatches(db: Db, workspace: Workspace, segmentId: number, batchSize = 10_000): AsyncGenerator<number[]> {
  await getSegment(db, workspace.id, segmentId);
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('segment_memberships')
      .select('customer_id')
      .where('workspace_id', '=', workspace.id)
      .where('segment_id', '=', segmentId)
      .where('exited_at', 'is', null)
      .where('customer_id', '>', after)
      .orderBy('customer_id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((r) => r.customer_id);
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.customer_id;
  }
}
