// Users, roles, API keys and the audit log in a real browser against the real server on an empty
// PGlite: the first-run owner form, adding a user, a key shown once and revoked, the audit log, signing
// out and in as a viewer who sees no settings; inviting someone (no email provider: the link is handed
// over), accepting in another browser and arriving with the invited role; switching workspace.
// Screenshots go to test-artifacts/console/.
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, findUserByEmail } from '../../src/access/index.ts';
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

  it('invites by email: without an email provider the link is handed over; the invitee accepts in another browser and has the invited role', async () => {
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByLabel('邮箱').fill('boss@tea.test');
    await page.getByLabel('密码', { exact: true }).fill('a long tea passphrase');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('menuitem', { name: '用户' }).click();
    await page.getByText('此工作空间尚未设置邮件服务').waitFor();
    await page.getByRole('button', { name: '通过邮件邀请' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('邮箱').fill('analyst@tea.test');
    await dialog.locator('.ant-select-selector').click();
    await page.locator('.ant-select-item-option[title="分析师"]').click();
    await dialog.getByRole('button', { name: '发送邀请' }).click();
    await page.getByRole('dialog', { name: '请把此链接转交给 analyst@tea.test' }).waitFor();
    // Let the invite dialog finish closing, so the screenshot shows the link.
    await dialog.filter({ hasText: '发送邀请' }).waitFor({ state: 'detached' });
    const link = (await page.getByTestId('invite-link').textContent())!.trim();
    expect(link).toMatch(new RegExp(`^${base}/accept-invite#token=`));
    await shot('access-07-invite-link');
    await page.getByRole('button', { name: '完成' }).click();
    await page.getByRole('cell', { name: 'analyst@tea.test', exact: true }).waitFor();
    await page.getByText('等待接受').waitFor();

    const invitee = await newConsolePage(browser);
    try {
      await invitee.goto(link);
      await invitee.getByRole('heading', { name: '加入 茶叶小店' }).waitFor();
      await invitee.getByText('创建您的 Patron 账号').waitFor();
      await invitee.getByLabel('姓名').fill('小陈');
      await invitee.getByLabel('设置密码').fill('analyst passphrase');
      await screenshots(invitee)('access-08-accept-invite');
      await invitee.getByRole('button', { name: '接受并登录' }).click();
      await invitee.getByText('小陈').waitFor();
      expect(new URL(invitee.url()).hash).toBe('');
      expect(await invitee.getByRole('menuitem', { name: '用户' }).count()).toBe(0);
      const session = await invitee.evaluate(() => fetch('/api/session').then((r) => r.json()));
      expect(session).toMatchObject({ user: { email: 'analyst@tea.test', role: 'analyst' } });
      // The link works once.
      await invitee.goto(link);
      await invitee.getByText('此邀请已被使用').waitFor();
    } finally {
      await invitee.context().close();
    }
    await page.reload();
    await page.getByText('已接受').waitFor();
  });

  it('switches workspace from the header when the user belongs to several', async () => {
    const boss = (await findUserByEmail(handle.db, 'boss@tea.test'))!;
    const second = await createWorkspace(handle.db, { slug: 'tea-wholesale', name: '茶叶批发' });
    await handle.db.insertInto('memberships').values({ workspace_id: second.id, user_id: boss.id, role: 'viewer' }).execute();
    await page.goto(`${base}/settings/users`);
    await page.getByRole('combobox', { name: '切换工作空间' }).waitFor();
    await page.locator('.patron-header .ant-select-selector').click();
    await page.locator('.ant-select-item-option[title="茶叶批发 · 只读成员"]').click();
    await page.locator('.patron-header-title').getByText('茶叶批发').waitFor();
    expect(await page.getByRole('menuitem', { name: '用户' }).count()).toBe(0);
    await shot('access-09-switched-workspace');
    const session = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
    expect(session).toMatchObject({ workspace: { slug: 'tea-wholesale' }, user: { role: 'viewer' } });
  });
});
