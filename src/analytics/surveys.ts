import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

/** The tracking event a survey answer arrives as, with properties { survey: 'nps' | 'csat', score }. */
export const surveyEventName = 'Survey Responded';

/** A survey score of a period: null (with the reason) when there were no responses. */
export interface SurveyScore {
  /** NPS: %promoters − %detractors (−100…100); CSAT: % of responses 4–5 (0…100). */
  readonly score: number | null;
  readonly responses: number;
  /** NPS: promoters (9–10); CSAT: satisfied (4–5). */
  readonly positive: number;
  /** NPS: detractors (0–6); CSAT: 1–3. */
  readonly negative: number;
  readonly note: string | null;
}

const noResponses = (survey: string) =>
  `No ${survey} responses in this period: track "${surveyEventName}" events with properties { survey: '${survey.toLowerCase()}', score } or import them with patron import surveys.`;

/**
 * NPS and CSAT over the survey responses tracked in [from, to] (ISO days in the workspace's time zone): NPS from 0–10 scores (Reichheld 2003:
 * promoters 9–10, detractors 0–6), CSAT as the share of 4–5 on a 1–5 scale. Each response counts (a
 * customer answering twice counts twice); scores that are not whole numbers on the survey's scale are left out.
 */
export async function surveyScores(db: Kysely<Database>, workspaceId: number, tz: string, from: string, to: string): Promise<{ nps: SurveyScore; csat: SurveyScore }> {
  const start = sql`(${from}::date::timestamp AT TIME ZONE ${tz})`;
  const end = sql`((${to}::date + 1)::timestamp AT TIME ZONE ${tz})`;
  const r = await sql<{ nps: number; promoters: number; detractors: number; csat: number; satisfied: number }>`
    WITH s AS (
      SELECT lower(properties->>'survey') AS survey,
             CASE WHEN properties->>'score' ~ '^\\s*[0-9]{1,2}(\\.0*)?\\s*$' THEN (properties->>'score')::numeric::int END AS score
      FROM events
      WHERE workspace_id = ${workspaceId} AND name = ${surveyEventName} AND occurred_at >= ${start} AND occurred_at < ${end}
    )
    SELECT count(*) FILTER (WHERE survey = 'nps' AND score BETWEEN 0 AND 10)::int AS nps,
           count(*) FILTER (WHERE survey = 'nps' AND score BETWEEN 9 AND 10)::int AS promoters,
           count(*) FILTER (WHERE survey = 'nps' AND score BETWEEN 0 AND 6)::int AS detractors,
           count(*) FILTER (WHERE survey = 'csat' AND score BETWEEN 1 AND 5)::int AS csat,
           count(*) FILTER (WHERE survey = 'csat' AND score BETWEEN 4 AND 5)::int AS satisfied
    FROM s`.execute(db);
  const row = r.rows[0]!;
  const nps: SurveyScore =
    row.nps === 0
      ? { score: null, responses: 0, positive: 0, negative: 0, note: noResponses('NPS') }
      : { score: (100 * (row.promoters - row.detractors)) / row.nps, responses: row.nps, positive: row.promoters, negative: row.detractors, note: null };
  const csat: SurveyScore =
    row.csat === 0
      ? { score: null, responses: 0, positive: 0, negative: 0, note: noResponses('CSAT') }
      : { score: (100 * row.satisfied) / row.csat, responses: row.csat, positive: row.satisfied, negative: row.csat - row.satisfied, note: null };
  return { nps, csat };
}
