import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { awardBonuses, birthdayEvent, matchingBonuses } from './bonuses.ts';
import type { LedgerContext } from './ledger.ts';

/** Days back the daily job looks for birthdays, so a run missed by cron is made up by the next one. */
const birthdayCatchUpDays = 7;

/**
 * Credits the program's birthday bonuses (rules on the `Birthday` event) to live profiles whose profile
 * `birthday` falls on the workspace's local today or one of the days before it that a missed run skipped
 * (29 February counts on 28 February in other years). Each bonus is dated at the local start of the
 * birthday and keyed by customer, year and rule, the key a tracked `Birthday` event uses too, so a customer
 * gets it once a year however often the job runs or the event arrives. Works in batches of customers;
 * returns the points credited.
 */
export async function awardBirthdayBonuses(db: Kysely<Database>, ctx: LedgerContext, batchSize = 500): Promise<number> {
  if (matchingBonuses(ctx.program.rules, { name: birthdayEvent, properties: { source: 'profile' } }).length === 0) return 0;
  const tz = ctx.timezone;
  let points = 0;
  let after = 0;
  for (;;) {
    const { rows } = await sql<{ id: number; birthday_at: Date }>`
      WITH days AS (
        SELECT ((${ctx.now}::timestamptz AT TIME ZONE ${tz})::date - g) AS day FROM generate_series(0, ${birthdayCatchUpDays - 1}) AS g
      )
      SELECT c.id, (d.day::timestamp AT TIME ZONE ${tz}) AS birthday_at
      FROM customers c JOIN days d
        ON to_char(c.birthday, 'MM-DD') = to_char(d.day, 'MM-DD')
        OR (to_char(c.birthday, 'MM-DD') = '02-29' AND to_char(d.day, 'MM-DD') = '02-28' AND extract(day FROM make_date(extract(year FROM d.day)::int, 3, 1) - 1) = 28)
      WHERE c.workspace_id = ${ctx.workspaceId} AND c.merged_into IS NULL AND c.birthday IS NOT NULL AND c.birthday <= d.day AND c.id > ${after}
      ORDER BY c.id, d.day LIMIT ${batchSize}`.execute(db);
    if (rows.length === 0) return points;
    const events = rows.map((r) => ({ messageId: `birthday:${r.id}:${r.birthday_at.toISOString()}`, customerId: r.id, name: birthdayEvent, properties: { source: 'profile' }, occurredAt: r.birthday_at }));
    points += await db.transaction().execute((trx) => awardBonuses(trx, ctx, events));
    after = rows[rows.length - 1]!.id;
    if (rows.length < batchSize) return points;
  }
}
