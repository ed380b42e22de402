import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { surveyEventName, surveyScores } from '../../analytics/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { importFile } from './index.ts';

describe.each(testStores())('importing survey answers on $kind', (store) => {
  let h: DatabaseHandle;
  let dir: string;
  beforeAll(async () => {
    h = await store.open();
    dir = mkdtempSync(join(tmpdir(), 'patron-import-surveys-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns NPS and CSAT answers into Survey Responded events that the KPIs score, rejects answers off the scale, and lands once', async () => {
    const ws = await testWorkspace(h.db);
    const file = join(dir, '问卷导出.csv');
    writeFileSync(
      file,
      [
        '会员号,问卷,评分,提交时间,意见,门店,编号',
        'M1,NPS,10,2026-03-02 10:00,很喜欢,静安店,r1',
        'M2,nps,9,2026-03-03 11:00,,静安店,r2',
        'M3,nps,6,2026-03-04 12:00,等太久,徐汇店,r3',
        'M4,nps,3,2026-03-05 12:00,,徐汇店,r4',
        'M1,csat,5,2026-03-06 09:00,,静安店,r5',
        'M2,csat,2,2026-03-06 09:30,,静安店,r6',
        'M5,nps,11,2026-03-07 10:00,,静安店,r7',
        'M5,csat,0,2026-03-07 10:00,,静安店,r8',
        'M5,ces,4,2026-03-07 10:00,,静安店,r9',
        'M5,nps,很好,2026-03-07 10:00,,静安店,r10',
        ',nps,8,2026-03-07 10:00,,静安店,r11',
      ].join('\n'),
    );
    const rejects = join(dir, 'rejects.csv');
    const options = {
      kind: 'surveys' as const,
      file,
      rejectsPath: rejects,
      mapping: [
        { source: '会员号', target: 'customer.external_id' },
        { source: '问卷', target: 'survey' },
        { source: '评分', target: 'score' },
        { source: '提交时间', target: 'answered_at' },
        { source: '意见', target: 'comment' },
        { source: '门店', target: 'properties.store' },
        { source: '编号', target: 'response_id' },
      ],
    };
    const summary = await importFile(h.db, ws, options);
    expect(summary).toMatchObject({ rowsRead: 11, inserted: 6, rejected: 5 });
    const reasons = (parse(readFileSync(rejects, 'utf8'), { from_line: 2 }) as string[][]).map(([line, column, reason]) => [line, column, reason]);
    expect(reasons).toEqual([
      ['8', '评分', '"11" is not a whole number from 0 to 10 (the NPS scale)'],
      ['9', '评分', '"0" is not a whole number from 1 to 5 (the CSAT scale)'],
      ['10', '问卷', '"ces" is not a survey Patron scores: use nps or csat'],
      ['11', '评分', '"很好" is not a whole number from 0 to 10 (the NPS scale)'],
      ['12', '', expect.stringMatching(/^the row names no one: map one of customer\.external_id/)],
    ]);

    const events = await h.db
      .selectFrom('events as e')
      .innerJoin('identities as i', (j) => j.onRef('i.customer_id', '=', 'e.customer_id').onRef('i.workspace_id', '=', 'e.workspace_id'))
      .select(['i.value', 'e.name', 'e.type', 'e.properties', 'e.message_id'])
      .where('e.workspace_id', '=', ws.id)
      .orderBy('e.occurred_at')
      .execute();
    expect(events[0]).toEqual({ value: 'M1', name: surveyEventName, type: 'track', properties: { survey: 'nps', score: 10, comment: '很喜欢', store: '静安店' }, message_id: 'survey-r1' });
    expect(events.map((e) => `${e.value}:${(e.properties as { survey: string }).survey}:${(e.properties as { score: number }).score}`)).toEqual([
      'M1:nps:10',
      'M2:nps:9',
      'M3:nps:6',
      'M4:nps:3',
      'M1:csat:5',
      'M2:csat:2',
    ]);

    // NPS: 2 promoters, 2 detractors of 4 → 0; CSAT: 1 of 2 satisfied → 50 %.
    const scores = await surveyScores(h.db, ws.id, ws.timezone, '2026-03-01', '2026-03-31');
    expect(scores.nps).toMatchObject({ score: 0, responses: 4, positive: 2, negative: 2, note: null });
    expect(scores.csat).toMatchObject({ score: 50, responses: 2, positive: 1, negative: 1 });

    // The same export again (or a later one holding these answers): nothing lands twice.
    const again = await importFile(h.db, ws, options);
    expect(again).toMatchObject({ inserted: 0, unchanged: 6, rejected: 5 });
    expect((await surveyScores(h.db, ws.id, ws.timezone, '2026-03-01', '2026-03-31')).nps.responses).toBe(4);
  });
});
