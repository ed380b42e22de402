// The loyalty pages (会员与积分) in Debian's chromium against the real server on PGlite, over the console's
// small retail workspace with a loyalty program (tiers, bonuses), points and a coupon for 张伟 and a
// segment of Shanghai customers: read the program and change its earn rate, read the tiers and their
// rules, create a coupon template and issue it to the segment, see 张伟's balance, ledger and coupons on
// the 360, and read it all in English. Screenshots go to test-artifacts/console/loyalty-*.png.
import type { Kysely } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { manualClock } from '../../src/lib/clock.ts';
import { createCouponTemplate, issueCoupons, postPoints, saveProgram } from '../../src/loyalty/index.ts';
import { createSegment } from '../../src/segments/index.ts';
import { formatMoney } from '../../web/src/format/money.ts';
import type { CouponTemplate, Program } from '../../web/src/pages/loyalty/loyalty-api.ts';
import { seedConsoleData, type ConsoleData } from './console-data.ts';
import { type ConsoleSession, hasChromium, signIn, startConsole, warnIfNoChromium } from './helpers.ts';

warnIfNoChromium('loyalty e2e');

interface LoyaltyData extends ConsoleData {
  readonly segmentName: string;
  readonly couponCode: string;
}

async function seedLoyaltyData(db: Kysely<Database>): Promise<LoyaltyData> {
  const data = await seedConsoleData(db);
  const clock = manualClock(new Date('2026-03-02T02:00:00Z'));
  const ws = data.workspace;
  await saveProgram(
    db,
    ws.id,
    {
      name: '悦享会员',
      rules: {
        earn: { pointsPerUnit: 1, unitMinor: 100, maxPerOrder: 5000 },
        bonuses: [
          { id: 'signup', event: 'Signed Up', points: 100, maxPerCustomer: 1 },
          { id: 'birthday', event: 'Birthday', points: 500 },
        ],
        expiry: { kind: 'rolling', months: 12 },
        tiers: {
          metric: 'spend',
          window: { kind: 'calendar_year' },
          graceDays: 30,
          levels: [
            { code: 'member', name: '普卡', threshold: 0 },
            { code: 'gold', name: '金卡', threshold: 500_000, multiplier: 1.5, benefits: { freeShipping: true, priorityService: true } },
          ],
        },
      },
    },
    clock,
  );
  const c = data.zhangWeiId;
  await postPoints(db, ws, c, { type: 'adjust', idempotencyKey: 'welcome', points: 500, reason: '开卡礼', actor: 'ops@demo' }, clock);
  await postPoints(db, ws, c, { type: 'earn', idempotencyKey: 'pos-1', amountMinor: 12_800, reason: '门店消费' }, clock);
  await postPoints(db, ws, c, { type: 'redeem', idempotencyKey: 'mug', points: 100, reward: '马克杯' }, clock);
  const welcome = await createCouponTemplate(db, ws.id, { name: '新人券', discountKind: 'amount_off', amountOffMinor: 1000, validDays: 30 });
  const issued = await issueCoupons(db, ws.id, welcome.id, [c], { source: 'api', clock, random: Math.random });
  const segmentName = '上海客户';
  await createSegment(db, ws, { name: segmentName, rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'eq', value: '上海' }] } } }, clock);
  return { ...data, segmentName, couponCode: issued.issued[0]!.code };
}

describe.skipIf(!hasChromium)('loyalty in chromium', () => {
  let session: ConsoleSession<LoyaltyData>;
  let page: Page;
  let base: string;
  let data: LoyaltyData;
  let shot: (name: string) => Promise<void>;

  const api = async <T,>(path: string): Promise<T> => {
    const res = await fetch(`${base}/api${path}`, { headers: { authorization: `Bearer ${data.secretKey}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    session = await startConsole('loyalty e2e', seedLoyaltyData);
    ({ page, base, data, shot } = session);
  }, 360_000);

  afterAll(() => session?.close());

  it('shows the program from the sidebar and changes its earn rate', async () => {
    await page.goto(`${base}/loyalty`);
    await signIn(page, data.secretKey);
    await page.getByRole('heading', { name: '会员与积分' }).waitFor();
    const nav = page.getByRole('navigation', { name: '主导航' });
    await expect.poll(() => nav.locator('.ant-menu-item-selected').innerText()).toBe('会员');
    const program = page.getByTestId('loyalty-program');
    await program.getByText('悦享会员').waitFor();
    await program.getByText(`每消费 ${formatMoney(100, 'CNY', 'zh-CN')} 得 1 积分`).waitFor();
    await program.getByText('获得后 12 个月过期').waitFor();
    await page.getByRole('cell', { name: 'Birthday' }).waitFor();
    await shot('loyalty-01-program');

    await page.getByRole('button', { name: '修改规则' }).click();
    await page.getByLabel('获得积分').fill('2');
    await page.getByRole('button', { name: '保存规则' }).click();
    await program.getByText(`每消费 ${formatMoney(100, 'CNY', 'zh-CN')} 得 2 积分`).waitFor();
    const saved = await api<Program>('/loyalty/program');
    expect(saved.rules.earn.pointsPerUnit).toBe(2);
    // The rest of the rules are kept as they were.
    expect(saved.rules.tiers.levels.map((l) => l.code)).toEqual(['member', 'gold']);
    expect(saved.rules.earn.maxPerOrder).toBe(5000);
  });

  it('lists the tiers with their benefits and how customers move between them', async () => {
    await page.getByRole('tab', { name: '等级与权益' }).click();
    const tiers = page.getByTestId('loyalty-tiers');
    await tiers.getByText('金卡').waitFor();
    await tiers.getByText(formatMoney(500_000, 'CNY', 'zh-CN')).waitFor();
    await tiers.getByText('包邮').waitFor();
    await page.getByTestId('loyalty-tier-rules').getByText('30 天宽限期').waitFor();
    await shot('loyalty-02-tiers');
  });

  it('creates a coupon template and issues it to a segment', async () => {
    await page.getByRole('tab', { name: '优惠券模板' }).click();
    const table = page.getByTestId('coupon-templates');
    await table.getByText('新人券').waitFor();
    await page.getByRole('button', { name: '新建优惠券模板' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: '创建' }).click();
    await dialog.getByText('请填写模板名称。').waitFor();
    await dialog.getByLabel('名称').fill('满100减20');
    await dialog.getByLabel('减免金额（CNY）').fill('20');
    await dialog.getByLabel('最低消费（CNY）').fill('100');
    await dialog.getByRole('button', { name: '创建' }).click();
    await table.getByText(`满 ${formatMoney(10_000, 'CNY', 'zh-CN')} 减 ${formatMoney(2000, 'CNY', 'zh-CN')}`).waitFor();
    const templates = (await api<{ templates: CouponTemplate[] }>('/loyalty/coupon-templates')).templates;
    expect(templates[0]).toMatchObject({ name: '满100减20', discountKind: 'amount_off', amountOffMinor: 2000, minSpendMinor: 10_000, validDays: 30 });
    await shot('loyalty-03-coupon-templates');

    await page.getByRole('button', { name: '将 满100减20 发放给分群' }).click();
    const issue = page.getByRole('dialog', { name: '将“满100减20”发放给分群' });
    await issue.getByLabel('分群', { exact: true }).click();
    await page.locator('.ant-select-item-option', { hasText: data.segmentName }).click();
    await issue.getByRole('button', { name: '发放' }).click();
    await issue.getByRole('status').getByText(/已发放 \d+ 张/).waitFor();
    await shot('loyalty-04-issued');
    await issue.getByRole('button', { name: '关闭' }).click();
    const report = (await api<{ templates: { templateId: number; issued: number }[] }>('/loyalty/coupon-report')).templates.find((r) => r.templateId === templates[0]!.id)!;
    expect(report.issued).toBeGreaterThan(0);
    await expect.poll(() => table.getByRole('row', { name: /满100减20/ }).getByRole('cell').nth(3).innerText()).toBe(String(report.issued));
  });

  it('shows a customer’s balance, ledger and coupons on the 360', async () => {
    await page.goto(`${base}/customers/${data.zhangWeiId}`);
    const card = page.getByTestId('customer-loyalty');
    await card.getByText('积分余额').waitFor();
    await card.locator('.ant-statistic').first().getByText('528').waitFor();
    const ledger = card.getByTestId('loyalty-ledger');
    await ledger.getByText('开卡礼').waitFor();
    await ledger.getByText('+500').waitFor();
    await ledger.getByText('-100').waitFor();
    await card.getByText(data.couponCode).waitFor();
    await card.scrollIntoViewIfNeeded();
    await shot('loyalty-05-customer-360');
  });

  it('reads in English', async () => {
    await page.getByText('English', { exact: true }).click();
    const card = page.getByTestId('customer-loyalty');
    await card.getByText('Points balance').waitFor();
    await card.getByRole('cell', { name: 'Adjustment' }).waitFor();
    await page.goto(`${base}/loyalty`);
    await page.getByRole('heading', { name: 'Loyalty' }).waitFor();
    await page.getByRole('tab', { name: 'Program rules' }).waitFor();
    await page.getByText(`2 points per ${formatMoney(100, 'CNY', 'en-US')} spent`).waitFor();
    await shot('loyalty-06-program-en');
  });
});
