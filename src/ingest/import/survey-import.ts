import { z } from 'zod';
import { identityTypes } from '../../access/index.ts';
import { surveyEventName } from '../../analytics/index.ts';
import { identityCell, requiredDateCell, textCell } from './cell-values.ts';
import { eventBatch, type EventLine } from './event-import.ts';
import { extraKey, fail, freeFormObject, identitiesOf, identityKeys, rowSchema, type KindImporter, type RowContext } from './import-kind.ts';

// Survey answers (NPS, CSAT) from a survey tool's export: each row becomes a `Survey Responded` event of
// the customer, which the analytics KPIs read, exactly as a tracked answer would.

/** The scale of each survey: NPS asks 0–10 ("how likely are you to recommend us"), CSAT 1–5. */
const scales = { nps: [0, 10], csat: [1, 5] } as const;
type Survey = keyof typeof scales;

function surveySchema(ctx: RowContext, present: ReadonlySet<string> | undefined): z.ZodType<EventLine, unknown> {
  const shape = {
    ...(Object.fromEntries(identityTypes.map((type) => [`customer.${type}`, identityCell(type, ctx.country)])) as Record<string, ReturnType<typeof identityCell>>),
    survey: textCell(20),
    score: textCell(20),
    answered_at: requiredDateCell(ctx.parseDate, 'the answer time is empty'),
    comment: textCell(5000),
    response_id: textCell(200),
    [extraKey]: z.record(z.string(), z.unknown()).optional(),
  };
  return rowSchema(shape, present, (r, issues): EventLine => {
    const survey = r.survey?.toLowerCase() as Survey | undefined;
    if (survey === undefined) return fail(issues, 'survey', 'the survey is empty: nps or csat');
    if (!(survey in scales)) return fail(issues, 'survey', `"${r.survey}" is not a survey Patron scores: use nps or csat`);
    const [low, high] = scales[survey];
    const score = Number(r.score);
    if (r.score === undefined) return fail(issues, 'score', 'the score is empty');
    if (!Number.isInteger(score) || score < low || score > high) return fail(issues, 'score', `"${r.score}" is not a whole number from ${low} to ${high} (the ${survey.toUpperCase()} scale)`);
    const ids = identitiesOf(r, identityKeys.customer);
    if (ids.length === 0) return fail(issues, '', `the row names no one: map one of ${identityKeys.customer.join(', ')}`);
    return {
      identities: ids,
      type: 'track',
      name: surveyEventName,
      occurredAt: r.answered_at.at,
      properties: { ...freeFormObject(r[extraKey]), survey, score, ...(r.comment !== undefined ? { comment: r.comment } : {}) },
      // The survey tool's id of the response makes a re-import (or the same answer in a later export) land once.
      messageId: r.response_id === undefined ? undefined : `survey-${r.response_id}`,
    };
  });
}

/** NPS and CSAT answers: `Survey Responded` events of the profile of their identities, once per response. */
export function surveyImporter(ctx: RowContext, present?: ReadonlySet<string>): KindImporter<EventLine> {
  return { schema: surveySchema(ctx, present), createBatch: eventBatch(ctx) };
}
