import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

const realDay = (day: string) => {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return dayPattern.test(day) && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
};

/** One spend entry as the API and the import take it: a channel, a day (YYYY-MM-DD) or a month (YYYY-MM), an amount in minor units. */
export const spendEntrySchema = z.object({
  channel: z.string().trim().min(1).max(100).describe('Acquisition channel, as customers.acquisition_channel names it'),
  period: z
    .string()
    .refine((p) => realDay(p) || monthPattern.test(p), 'write the period as a day YYYY-MM-DD or a month YYYY-MM')
    .describe('A day (YYYY-MM-DD) or a whole month (YYYY-MM)'),
  amountMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('Spend in minor units (fen, cents)'),
  currency: z.string().regex(/^[A-Z]{3}$/).optional().describe('Must be the workspace currency (default)'),
});
export type SpendEntry = z.infer<typeof spendEntrySchema>;

/** A stored spend row. */
export interface SpendRow {
  readonly channel: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly source: string;
}

/** First and last day of a day or month period. */
export function spendPeriodDays(period: string): { start: string; end: string } {
  if (realDay(period)) return { start: period, end: period };
  if (!monthPattern.test(period)) throw invalidInput(`"${period}" is not a day YYYY-MM-DD or a month YYYY-MM`, { path: ['period'], value: period });
  const [y, m] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { start: `${period}-01`, end: `${period}-${String(last).padStart(2, '0')}` };
}

/**
 * Stores spend entries (replacing an entry of the same channel and period start) in one transaction.
 * Amounts must be in the workspace currency, so that CAC divides like by like; a period overlapping
 * another of the same channel is refused, so no spend is counted twice.
 */
export async function saveSpend(db: Kysely<Database>, workspace: Workspace, entries: readonly SpendEntry[], source = 'api'): Promise<{ saved: number }> {
  const rows = entries.map((e, i) => {
    const currency = e.currency ?? workspace.currency;
    if (currency !== workspace.currency) {
      throw invalidInput(`Spend of entry ${i + 1} is in ${currency}, but the workspace reports in ${workspace.currency}; convert it first`, { path: [i, 'currency'], value: currency });
    }
    const { start, end } = spendPeriodDays(e.period);
    return { workspace_id: workspace.id, channel: e.channel, period_start: start, period_end: end, amount_minor: e.amountMinor, currency, source };
  });
  if (rows.length === 0) return { saved: 0 };
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    const key = `${r.channel}\u0000${r.period_start}`;
    if (seen.has(key)) throw invalidInput(`Entries ${seen.get(key)! + 1} and ${i + 1} both give ${r.channel} spend from ${r.period_start}; give each once`, { path: [i, 'period'], value: r.period_start });
    seen.set(key, i);
  });
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('marketing_spend')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'channel', 'period_start']).doUpdateSet((eb) => ({
          period_end: eb.ref('excluded.period_end'),
          amount_minor: eb.ref('excluded.amount_minor'),
          currency: eb.ref('excluded.currency'),
          source: eb.ref('excluded.source'),
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
    // A day inside a month of the same channel (or the other way round) would count that spend twice.
    const overlap = await sql<{ channel: string; a: string; b: string }>`
      SELECT a.channel, a.period_start AS a, b.period_start AS b
      FROM marketing_spend a JOIN marketing_spend b
        ON b.workspace_id = a.workspace_id AND b.channel = a.channel AND b.period_start > a.period_start AND b.period_start <= a.period_end
      WHERE a.workspace_id = ${workspace.id} AND a.channel = ANY(${[...new Set(rows.map((r) => r.channel))]}::text[])
      LIMIT 1`.execute(trx);
    const o = overlap.rows[0];
    if (o) throw new PatronError('conflict', `${o.channel} spend from ${o.a} overlaps its spend from ${o.b}; give a channel's spend either by day or by month`, { path: ['period'], value: o.b });
  });
  return { saved: rows.length };
}

/** Spend rows overlapping [from, to] (ISO days), by channel and period. */
export async function listSpend(db: Kysely<Database>, workspaceId: number, query: { from: string; to: string; channel?: string | undefined }): Promise<SpendRow[]> {
  let q = db
    .selectFrom('marketing_spend')
    .select(['channel', 'period_start', 'period_end', 'amount_minor', 'currency', 'source'])
    .where('workspace_id', '=', workspaceId)
    .where('period_end', '>=', query.from)
    .where('period_start', '<=', query.to);
  if (query.channel !== undefined) q = q.where('channel', '=', query.channel);
  const rows = await q.orderBy('channel').orderBy('period_start').execute();
  return rows.map((r) => ({ channel: r.channel, periodStart: r.period_start, periodEnd: r.period_end, amountMinor: r.amount_minor, currency: r.currency, source: r.source }));
}

/** Removes a channel's spend entry starting on a day; false when there was none. */
export async function deleteSpend(db: Kysely<Database>, workspaceId: number, channel: string, periodStart: string): Promise<boolean> {
  const r = await db.deleteFrom('marketing_spend').where('workspace_id', '=', workspaceId).where('channel', '=', channel).where('period_start', '=', periodStart).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
