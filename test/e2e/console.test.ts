// The web console in a real browser (Debian's chromium through playwright-core) against the real
// server on an in-memory PGlite: sign in with a key, search, open the 360, edit tags, undo a merge,
// switch language. Screenshots of each page go to test-artifacts/console/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConsoleData, type ConsoleData } from './console-data.ts';
import { type ConsoleSession, hasChromium, startConsole, warnIfNoChromium } from './helpers.ts';

warnIfNoChromium('console e2e');

describe.skipIf(!hasChromium)('web console in chromium', () => {
  let session: ConsoleSession<ConsoleData>;
  let page: Page;
  let base: string;
  let data: ConsoleData;
  let shot: (name: string) => Promise<void>;

  const tableRows = () => page.locator('.ant-table-tbody tr.ant-table-row');
  const waitForList = () => page.locator('.ant-table-wrapper .ant-spin-spinning').waitFor({ state: 'detached' });

  beforeAll(async () => {
    session = await startConsole('console e2e', seedConsoleData);
    ({ page, base, data, shot } = session);
  }, 360_000);

  afterAll(() => session?.close());

  it('asks for a key, says why a wrong one is refused, and keeps a good one', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: '连接你的工作空间' }).waitFor();
    await page.getByText('demo-secret-key').waitFor();
    await shot('01-sign-in');

    await page.getByLabel('私密 API 密钥').fill('not-a-key');
    await page.getByRole('button', { name: '继续' }).click();
    await page.getByText('密钥不存在或已被吊销').waitFor();
    await shot('02-sign-in-rejected');

    await page.getByLabel('私密 API 密钥').fill(data.secretKey);
    await page.getByRole('button', { name: '继续' }).click();
    await page.getByRole('heading', { name: '客户' }).waitFor();
    expect(await page.evaluate(() => window.localStorage.getItem('patron.apiKey'))).toBe(data.secretKey);
  });

  it('lists customers with server-side pages and the workspace in the header', async () => {
    await waitForList();
    await expect.poll(() => tableRows().count()).toBe(20);
    await page.getByText('演示零售 Demo Retail').waitFor();
    await page.getByRole('navigation', { name: '主导航' }).getByText('客户', { exact: true }).waitFor();
    await shot('03-customers');

    await page.getByRole('button', { name: /下一页/ }).click();
    await page.getByText('第 2 页').waitFor();
    await waitForList();
    await expect.poll(() => tableRows().count()).toBe(5); // 24 + 唐小雨 (her two profiles are one)
    await page.getByRole('button', { name: /上一页/ }).click();
    await page.getByText('第 1 页').waitFor();
  });

  it('searches by name and by phone, and filters by tag', async () => {
    const search = page.getByLabel('搜索', { exact: true });
    await search.fill('张伟');
    await search.press('Enter');
    await expect.poll(async () => (await tableRows().allInnerTexts()).length).toBe(1);
    expect(await tableRows().first().innerText()).toContain('张伟');
    expect(page.url()).toContain('q=');
    await waitForList();
    await shot('04-search-by-name');

    await search.fill('13812345678');
    await search.press('Enter');
    await expect.poll(async () => (await tableRows().allInnerTexts()).join('|')).toContain('+8613812345678');
    expect(await tableRows().count()).toBe(1);
    expect(await tableRows().first().innerText()).toContain('张伟');

    await search.fill('没有这个人');
    await search.press('Enter');
    await page.getByText('没有符合筛选条件的客户').waitFor();
    await shot('05-search-no-match');
    await page.getByRole('button', { name: '清除筛选' }).first().click();
    await expect.poll(() => tableRows().count()).toBe(20);

    await page.getByLabel('标签', { exact: true }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'VIP' }).click();
    await expect.poll(() => tableRows().count()).toBe(3);
    await waitForList();
    await shot('06-filter-by-tag');
    await page.getByRole('button', { name: '清除筛选' }).first().click();
    await expect.poll(() => tableRows().count()).toBe(20);
  });

  it('opens the customer 360 with profile, identities, orders and activity', async () => {
    const search = page.getByLabel('搜索', { exact: true });
    await search.fill('张伟');
    await search.press('Enter');
    await expect.poll(() => tableRows().count()).toBe(1);
    await page.getByRole('link', { name: '张伟' }).click();
    await page.getByRole('heading', { name: '张伟' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${data.zhangWeiId}`);
    await page.getByText('+8613812345678').waitFor();
    await page.getByText('SO-2000').waitFor();
    await page.getByText('Product Viewed').waitFor();
    await page.getByText('订单概览').waitFor();
    expect(await page.locator('.ant-statistic').first().innerText()).toContain('¥');
    // No analytics run has happened in this workspace: the scores card says what to do.
    await page.getByTestId('customer-scores').getByText('尚未评分').waitFor();
    await page.getByTestId('customer-scores').getByText('patron analyze').waitFor();
    await shot('07-customer-360');
  });

  it('adds and removes a tag on the 360', async () => {
    await page.getByRole('button', { name: '添加标签' }).click();
    const input = page.getByLabel('新标签名称');
    await input.press('Enter');
    await page.getByText('请先输入标签名称').waitFor();
    await input.fill('高价值');
    await input.press('Enter');
    await page.getByText('已添加标签“高价值”').waitFor();
    await page.locator('.patron-tags').getByText('高价值').waitFor();
    await shot('08-tag-added');

    await page.getByRole('button', { name: '移除标签 高价值' }).click();
    await page.getByText('已移除标签“高价值”').waitFor();
    await expect.poll(() => page.locator('.patron-tags').getByText('高价值').count()).toBe(0);
  });

  it('switches to English and back, remembering the choice', async () => {
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByText('Recent orders').waitFor();
    await page.getByText('Orders at a glance').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.locator('.ant-statistic').first().innerText()).toContain('CN¥');
    await shot('09-customer-360-en');

    await page.getByRole('link', { name: 'Back to customers' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.getByRole('columnheader', { name: 'Total spent' }).waitFor();
    await waitForList();
    await shot('10-customers-en');

    await page.reload();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '客户' }).waitFor();
    await page.getByRole('columnheader', { name: '累计消费' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  });

  it('undoes a merge after a confirmation', async () => {
    await page.goto(`${base}/customers/${data.mergedSurvivorId}`);
    await page.getByText('合并记录').waitFor();
    await page.getByRole('button', { name: '撤销合并' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.ant-modal-confirm-title').getByText('撤销这次合并？').waitFor();
    await shot('11-undo-merge-confirm');
    await dialog.getByRole('button', { name: '撤销合并' }).click();
    await page.getByText(/已撤销合并：客户 #\d+ 重新成为独立档案/).waitFor();
    await page.getByText(/已于 .+ 撤销/).waitFor();
    await expect.poll(() => page.getByRole('button', { name: '撤销合并' }).count()).toBe(0);
    await shot('12-merge-undone');
  });

  it('shows a 404 page for unknown addresses, while /api keeps its JSON 404', async () => {
    await page.goto(`${base}/no-such-page`);
    await page.getByText('页面不存在').waitFor();
    const api = await page.request.get(`${base}/api/no-such-thing`);
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toContain('application/json');
  });

  it('signs out, and an empty workspace explains what to do next', async () => {
    await page.goto(`${base}/customers`);
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('heading', { name: '连接你的工作空间' }).waitFor();
    expect(await page.evaluate(() => window.localStorage.getItem('patron.apiKey'))).toBeNull();

    await page.getByLabel('私密 API 密钥').fill(data.emptyWorkspaceKey);
    await page.getByRole('button', { name: '继续' }).click();
    await page.getByText('还没有客户').waitFor();
    await page.getByText('patron import customers FILE').waitFor();
    await shot('13-customers-empty');
  });
});
