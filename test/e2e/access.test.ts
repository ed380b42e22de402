// Users, roles, API keys and the audit log in a real browser against the real server on an empty
// PGlite: the first-run owner form, adding a user, a key shown once and revoked, the audit log, signing
// out and in as a viewer who sees no settings. Screenshots go to test-artifacts/console/.
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.ts';
import { testStores } from '../stores.ts';
import { buildConsole, hasChromium, launchChromium, newConsolePage, screenshots, startServer, warnIfNoChromium } from './helpers.ts';

warnIfNoChromium('access e2e');

describe.skipIf(!hasChromium)('sign-in, users, keys and audit log in chromium', () => {
  let handle: DatabaseHandle;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let shot: (name: string) => Promise<void>;

  beforeAll(async () => {
    await buildConsole();
    handle = await testStores()[0]!.open();
    ({ app, base } = await startServer(handle.db, handle.kind));
    browser = await launchChromium();
    page = await newConsolePage(browser);
    shot = screenshots(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await handle?.close();
  });

  it('creates the owner on first run and signs in with an HttpOnly cookie', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: '创建所有者账号' }).waitFor();
    await shot('access-01-first-run');
    await page.getByLabel('工作空间名称').fill('茶叶小店');
    await page.getByLabel('工作空间标识').fill('tea');
    await page.getByLabel('你的姓名').fill('王老板');
    await page.getByLabel('邮箱').fill('boss@tea.test');
    await page.getByLabel('密码').fill('a long tea passphrase');
    await page.getByRole('button', { name: '创建所有者并登录' }).click();
    await page.getByRole('menuitem', { name: '用户' }).waitFor();
    await page.getByText('茶叶小店').first().waitFor();
    expect(await page.evaluate(() => document.cookie)).not.toContain('patron_session');
    expect((await page.context().cookies()).find((c) => c.name === 'patron_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api' });
  });

  it('adds a viewer on the users page', async () => {
    await page.getByRole('menuitem', { name: '用户' }).click();
    await page.getByRole('heading', { name: '用户与角色' }).waitFor();
    await page.getByRole('button', { name: '添加用户' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('邮箱').fill('viewer@tea.test');
    await dialog.getByLabel('姓名').fill('小李');
    await dialog.getByLabel('初始密码').fill('viewer-password');
    await dialog.getByRole('button', { name: '添加' }).click();
    await page.getByRole('cell', { name: 'viewer@tea.test', exact: true }).waitFor();
    await shot('access-02-users');
  });

  it('creates a secret key shown once, then revokes it', async () => {
    await page.getByRole('menuitem', { name: 'API 密钥' }).click();
    await page.getByRole('button', { name: '创建 API 密钥' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('名称').fill('每日导出');
    await dialog.getByRole('button', { name: '创建' }).click();
    const key = await page.getByTestId('new-api-key').textContent();
    expect(key).toMatch(/^ps_/);
    await shot('access-03-key-shown-once');
    const check = await fetch(`${base}/api/customers`, { headers: { authorization: `Bearer ${key}` } });
    expect(check.status).toBe(200);
    await page.getByRole('button', { name: '完成' }).click();
    await page.getByRole('cell', { name: '每日导出' }).waitFor();
    await page.getByRole('button', { name: '吊销' }).first().click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '吊销' }).click();
    await page.getByText(/已于 .* 吊销/).waitFor();
    expect((await fetch(`${base}/api/customers`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    await shot('access-04-keys');
  });

  it('shows the changes in the audit log', async () => {
    await page.getByRole('menuitem', { name: '审计日志' }).click();
    await page.getByRole('heading', { name: '审计日志' }).waitFor();
    await page.getByText('POST /api/keys/:id/revoke').waitFor();
    await page.getByText('POST /api/users').waitFor();
    await page.getByText('setup.first_owner').waitFor();
    await shot('access-05-audit');
  });

  it('signs out, and a viewer signing in sees no settings and cannot reach them', async () => {
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('heading', { name: '连接你的工作空间' }).waitFor();
    await page.getByLabel('邮箱').fill('viewer@tea.test');
    await page.getByLabel('密码', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('邮箱或密码错误').waitFor();
    await page.getByLabel('密码', { exact: true }).fill('viewer-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('小李').waitFor();
    expect(await page.getByRole('menuitem', { name: '用户' }).count()).toBe(0);
    await page.goto(`${base}/settings/users`);
    await page.getByText('没有执行此操作的权限').first().waitFor();
    await shot('access-06-viewer');
  });
});
