import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, type OrderInput } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import {
  cohortRetention,
  compareKpis,
  importSpendFile,
  listSpend,
  overviewPeriods,
  precomputedCohorts,
  precomputedKpis,
  precomputeOverview,
  refreshOverview,
  rescoreChangedCustomers,
  runDueScoring,
  runScoring,
  saveSpend,
  startAnalyticsScheduler,
  surveyEventName,
} from './index.ts';
import { claimOverviewRefresh } from './overview-snapshots.ts';

let n = 0;
const order = (who: string, day: string, totalMinor: number, channel?: string, extra: Partial<OrderInput> = {}): OrderInput => ({
  externalId: `o${++n}`,
  customer: { identities: [{ type: 'external_id', value: who }], ...(channel ? { profile: { acquisitionChannel: channel } } : {}) },
  currency: 'CNY',
  orderedAt: new Date(`${day}T04:00:00Z`),
  totalMinor,
  ...extra,
});

describe.each(testStores())('CAC, NPS/CSAT and precomputed overview on $kind', (store) => {
  let h: DatabaseHandle;
  let ws: Workspace;

  beforeAll(async () => {
    h = await store.open();
    ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, [
      order('A', '2025-03-05', 1000, 'wechat'),
      order('B', '2025-03-20', 2000, 'wechat'),
      order('C', '2025-03-10', 3000, 'douyin'),
      order('D', '2025-03-11', 400),
      order('E', '2025-02-10', 500, 'wechat'),
      order('E', '2025-03-12', 500, 'wechat'),
      order('F', '2024-03-15', 900, 'wechat'),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  it('divides each channel’s spend by the customers it acquired in the period, beside the previous period and last year', async () => {
    await saveSpend(h.db, ws, [
      { channel: 'wechat', period: '2025-03', amountMinor: 31_000 },
      { channel: 'douyin', period: '2025-03-01', amountMinor: 5000 },
      { channel: 'douyin', period: '2025-03-02', amountMinor: 5000 },
      { channel: 'baidu', period: '2025-03', amountMinor: 9000 },
      { channel: 'wechat', period: '2025-02', amountMinor: 28_000 },
      { channel: 'wechat', period: '2024-03', amountMinor: 3100 },
    ]);
    const k = await compareKpis(h.db, ws, '2025-03-01', '2025-03-31');
    expect(k.current.new).toBe(4);
    expect(k.current.acquisition).toEqual([
      { channel: 'wechat', spendMinor: 31_000, newCustomers: 2, cacMinor: 15_500 },
      { channel: 'douyin', spendMinor: 10_000, newCustomers: 1, cacMinor: 10_000 },
      { channel: 'baidu', spendMinor: 9000, newCustomers: 0, cacMinor: null },
      { channel: null, spendMinor: 0, newCustomers: 1, cacMinor: null },
    ]);
    expect(k.previous.acquisition).toEqual([{ channel: 'wechat', spendMinor: 28_000, newCustomers: 1, cacMinor: 28_000 }]);
    expect(k.lastYear.acquisition).toEqual([{ channel: 'wechat', spendMinor: 3100, newCustomers: 1, cacMinor: 3100 }]);
    // Half a month takes its days' share of the month's spend.
    const half = await compareKpis(h.db, ws, '2025-03-01', '2025-03-15');
    expect(half.current.acquisition.find((c) => c.channel === 'wechat')).toEqual({ channel: 'wechat', spendMinor: 15_000, newCustomers: 1, cacMinor: 15_000 });
    expect(await listSpend(h.db, ws.id, { from: '2025-03-01', to: '2025-03-01', channel: 'douyin' })).toEqual([
      { channel: 'douyin', periodStart: '2025-03-01', periodEnd: '2025-03-01', amountMinor: 5000, currency: 'CNY', source: 'api' },
    ]);
  });

  it('refuses spend in another currency and a day inside a month of the same channel, keeping what was there', async () => {
    await expect(saveSpend(h.db, ws, [{ channel: 'wechat', period: '2025-04', amountMinor: 1, currency: 'USD' }])).rejects.toMatchObject({ code: 'invalid_input', details: { path: [0, 'currency'] } });
    await expect(saveSpend(h.db, ws, [{ channel: 'wechat', period: '2025-03-10', amountMinor: 1 }])).rejects.toMatchObject({ code: 'conflict' });
    expect(await listSpend(h.db, ws.id, { from: '2025-03-10', to: '2025-03-10', channel: 'wechat' })).toHaveLength(1);
    // The same channel and period again replaces the amount.
    await saveSpend(h.db, ws, [{ channel: 'baidu', period: '2025-03', amountMinor: 9300 }]);
    expect((await listSpend(h.db, ws.id, { from: '2025-03-01', to: '2025-03-31', channel: 'baidu' }))[0]?.amountMinor).toBe(9300);
  });

  it('imports spend from CSV with a rejects file naming line, column and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spend-'));
    const file = join(dir, 'spend.csv');
    writeFileSync(file, 'channel,date,amount\nxiaohongshu,2025-01-01,100.50\nxiaohongshu,2025-13-01,5\nxiaohongshu,2025-01-02,abc\n,2025-01-03,1\nxiaohongshu,2025-02,"1,000"\n');
    const summary = await importSpendFile(h.db, ws, file);
    expect(summary).toMatchObject({ rows: 5, saved: 2, rejected: 3 });
    const rejects = readFileSync(summary.rejectsPath!, 'utf8').trim().split('\n');
    expect(rejects[0]).toBe('line,column,reason,channel,date,amount');
    expect(rejects[1]).toMatch(/^3,date,write the period/);
    expect(rejects[2]).toMatch(/^4,amount,"""abc"" is not an amount"/);
    expect(rejects[3]).toMatch(/^5,channel,/);
    const saved = await listSpend(h.db, ws.id, { from: '2025-01-01', to: '2025-02-28', channel: 'xiaohongshu' });
    expect(saved.map((s) => [s.periodStart, s.periodEnd, s.amountMinor, s.source])).toEqual([
      ['2025-01-01', '2025-01-01', 10_050, 'file:spend.csv'],
      ['2025-02-01', '2025-02-28', 100_000, 'file:spend.csv'],
    ]);
    // Fixed and imported again: the stale rejects file goes.
    writeFileSync(file, 'channel,date,amount\nxiaohongshu,2025-01-01,100.50\n');
    expect(await importSpendFile(h.db, ws, file)).toMatchObject({ saved: 1, rejected: 0, rejectsPath: undefined });
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
  });

  it('computes NPS and CSAT from tracked survey responses, null with a note where there are none', async () => {
    const responses: [string, unknown][] = [['nps', 10], ['nps', 9], ['nps', '8'], ['nps', 3], ['nps', 0], ['nps', 11], ['nps', 'x'], ['csat', 5], ['csat', 4], ['csat', 2], ['csat', 0], ['other', 5]];
    await h.db
      .insertInto('events')
      .values(
        responses.map(([survey, score], i) => ({
          workspace_id: ws.id,
          message_id: `survey-${i}`,
          customer_id: null,
          origin_customer_id: null,
          anonymous_id: `anon-${i}`,
          type: 'track' as const,
          name: surveyEventName,
          occurred_at: new Date(`2025-03-${String(10 + i).padStart(2, '0')}T04:00:00Z`),
          received_at: new Date('2025-03-31T00:00:00Z'),
          properties: JSON.stringify({ survey, score }),
          context: '{}',
        })),
      )
      .execute();
    const k = await compareKpis(h.db, ws, '2025-03-01', '2025-03-31');
    expect(k.current.nps).toEqual({ score: 0, responses: 5, positive: 2, negative: 2, note: null });
    expect(k.current.csat).toMatchObject({ responses: 3, positive: 2, negative: 1, note: null });
    expect(k.current.csat.score).toBeCloseTo(200 / 3, 10);
    expect(k.previous.nps).toMatchObject({ score: null, responses: 0 });
    expect(k.previous.nps.note).toMatch(/Survey Responded/);
    expect(k.changeVsPrevious.npsPoints).toBeNull();
  });

  it('serves the overview periods precomputed by the run with exactly the numbers computed from orders', async () => {
    const rnd = (() => {
      let s = 12345;
      return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    })();
    const other = await testWorkspace(h.db);
    const orders: OrderInput[] = [];
    for (let i = 0; i < 400; i++) {
      const day = new Date(Date.UTC(2023, 6, 1) + Math.floor(rnd() * 700) * 86_400_000).toISOString().slice(0, 10);
      const total = Math.floor(rnd() * 20_000) - 500;
      const status = rnd() < 0.05 ? 'cancelled' : undefined;
      orders.push(order(`r${Math.floor(rnd() * 60)}`, day, Math.max(total, 0), ['a', 'b', undefined][Math.floor(rnd() * 3)], status ? { status } : {}));
    }
    await recordOrders(h.db, other, orders);
    const asOf = '2025-05-20';
    await runScoring(h.db, other, { asOf });
    const clock = manualClock(new Date('2025-05-20T12:00:00Z'));
    expect(await precomputeOverview(h.db, other, asOf, clock)).toMatchObject({ views: 4 });
    for (const p of overviewPeriods(asOf)) {
      const stored = await precomputedKpis(h.db, other.id, p.from, p.to);
      expect(stored?.precomputed).toEqual({ asOf, computedAt: new Date('2025-05-20T12:00:00Z') });
      const { precomputed: _, ...numbers } = stored!;
      expect(numbers).toEqual(await compareKpis(h.db, other, p.from, p.to));
    }
    expect(await precomputedKpis(h.db, other.id, '2025-01-01', '2025-01-31')).toBeUndefined();
    const all = await precomputedCohorts(h.db, other.id, '1970-01', '2025-05', asOf);
    expect(all?.cohorts).toEqual(await cohortRetention(h.db, other, { from: '1970-01', to: '2025-05', asOf }));
    expect(all!.cohorts.length).toBeGreaterThan(10);
    const slice = await precomputedCohorts(h.db, other.id, '2024-01', '2024-06', asOf);
    expect(slice?.cohorts).toEqual(await cohortRetention(h.db, other, { from: '2024-01', to: '2024-06', asOf }));
    expect(await precomputedCohorts(h.db, other.id, '1970-01', '2025-05', '2025-05-19')).toBeUndefined();
  });
});

describe.each(testStores())('scores kept current without a manual run on $kind', (store) => {
  let h: DatabaseHandle;

  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs each workspace with orders once a day after midnight in its own time zone, then rescores customers whose orders changed', async () => {
    const shanghai = await testWorkspace(h.db);
    const london = await testWorkspace(h.db, { timezone: 'Europe/London' });
    const empty = await testWorkspace(h.db);
    await recordOrders(h.db, shanghai, [order('S1', '2025-03-01', 1000), order('S2', '2025-03-02', 2000)]);
    await recordOrders(h.db, london, [order('L1', '2025-03-01', 1000)]);
    // Nothing is queued before a workspace's first run.
    expect(await h.db.selectFrom('analytics_changes').selectAll().execute()).toEqual([]);

    // 17:00 UTC on 10 March is 01:00 on 11 March in Shanghai, still the 10th in London.
    const clock = manualClock(new Date('2025-03-10T17:00:00Z'));
    expect(await runDueScoring(h.db, clock)).toEqual([shanghai.id, london.id]);
    const asOfs = async () => (await h.db.selectFrom('score_runs').select(['workspace_id', 'as_of', 'kind']).orderBy('id').execute()).map((r) => `${r.workspace_id === shanghai.id ? 'SH' : r.workspace_id === london.id ? 'LDN' : 'other'} ${r.as_of} ${r.kind}`);
    expect(await asOfs()).toEqual(['SH 2025-03-11 full', 'LDN 2025-03-10 full']);
    expect(await runDueScoring(h.db, clock)).toEqual([]);
    clock.set(new Date('2025-03-11T00:30:00Z'));
    expect(await runDueScoring(h.db, clock)).toEqual([london.id]);
    expect(await h.db.selectFrom('score_runs').select('id').where('workspace_id', '=', empty.id).execute()).toEqual([]);
    expect(await precomputedKpis(h.db, london.id, '2025-02-10', '2025-03-11')).toBeDefined();

    // A new order queues its customer; the drain rescores just them.
    clock.set(new Date('2025-03-11T03:00:00Z'));
    await recordOrders(h.db, shanghai, [order('S1', '2025-03-11', 500)]);
    const queued = await h.db.selectFrom('analytics_changes').select(['workspace_id', 'customer_id']).execute();
    expect(queued).toHaveLength(1);
    expect(queued[0]?.workspace_id).toBe(shanghai.id);
    const before = await h.db.selectFrom('customer_scores').select(['frequency']).where('workspace_id', '=', shanghai.id).where('customer_id', '=', queued[0]!.customer_id).executeTakeFirstOrThrow();
    expect(await rescoreChangedCustomers(h.db, clock)).toEqual({ claimed: 1, workspaces: [shanghai.id] });
    const after = await h.db.selectFrom('customer_scores').select(['frequency', 'run_id']).where('workspace_id', '=', shanghai.id).where('customer_id', '=', queued[0]!.customer_id).executeTakeFirstOrThrow();
    expect(after.frequency).toBe(before.frequency + 1);
    expect((await asOfs()).at(-1)).toBe('SH 2025-03-11 targeted');
    expect(await h.db.selectFrom('analytics_changes').selectAll().execute()).toEqual([]);
    expect(await rescoreChangedCustomers(h.db, clock)).toEqual({ claimed: 0, workspaces: [] });
  });

  it('scores each workspace once a day and refreshes its overview once when two processes run the scheduler', async () => {
    const ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, [order('W1', '2025-04-02', 700)]);
    const clock = manualClock(new Date('2025-05-01T05:00:00Z'));
    // `patron serve` and `patron worker` look at the same moment: whichever waits for the scoring lock finds the run done.
    const [a, b] = await Promise.all([runDueScoring(h.db, clock), runDueScoring(h.db, clock)]);
    const both = [...a, ...b];
    expect(both).toContain(ws.id);
    expect(new Set(both).size).toBe(both.length);
    const runs = await h.db.selectFrom('score_runs').select('workspace_id').where('as_of', '=', '2025-05-01').where('kind', '=', 'full').execute();
    expect(runs.filter((r) => r.workspace_id === ws.id)).toHaveLength(1);
    expect(runs).toHaveLength(both.length);
    // Ten minutes on, the overview is due a refresh: the first claim takes it, the second finds it taken,
    // and the views still say when they were computed.
    clock.set(new Date('2025-05-01T05:10:01Z'));
    expect(await claimOverviewRefresh(h.db, ws.id, '2025-05-01', clock, 600_000)).toBe(true);
    expect(await claimOverviewRefresh(h.db, ws.id, '2025-05-01', clock, 600_000)).toBe(false);
    expect((await precomputedKpis(h.db, ws.id, '2025-04-02', '2025-05-01'))?.precomputed.computedAt).toEqual(new Date('2025-05-01T05:00:00Z'));
    expect(await refreshOverview(h.db, ws, clock, 600_000)).toBe(false);
  });

  it('drains the queue and stops cleanly when started as the serving process does', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2025-04-01T02:00:00Z'));
    await recordOrders(h.db, ws, [order('Z1', '2025-03-20', 800)]);
    const errors: unknown[] = [];
    const scheduler = startAnalyticsScheduler(h.db, clock, { changeIntervalMs: 20, scheduleIntervalMs: 50, onError: (e) => errors.push(e) });
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
    };
    await waitFor(async () => (await h.db.selectFrom('score_runs').select('id').where('workspace_id', '=', ws.id).execute()).length > 0);
    await recordOrders(h.db, ws, [order('Z1', '2025-03-31', 900)]);
    await waitFor(async () => (await h.db.selectFrom('score_runs').select('id').where('workspace_id', '=', ws.id).where('kind', '=', 'targeted').execute()).length > 0);
    await scheduler.stop();
    expect(errors).toEqual([]);
    expect(await h.db.selectFrom('analytics_changes').selectAll().where('workspace_id', '=', ws.id).execute()).toEqual([]);
    const z1 = await h.db.selectFrom('customer_scores').select('frequency').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(z1.frequency).toBe(2);
  });
});
