// The channels settings (触达渠道, 触达规则, 消息记录) in Debian's chromium against the real server on PGlite:
// configure a webhook channel pointing at a real receiver on loopback (which checks the signature and posts a
// signed delivery receipt back to the address the page shows), see that the secret is never sent back, send a
// test message from the page and watch it reach "delivered" in the message log and on the customer 360, set a
// frequency cap and quiet hours, see a bounced address on the suppression list and take it off, and read the
// pages in English. Screenshots go to test-artifacts/console/channels-*.png.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/index.ts';
import { signWebhook, verifyWebhookSignature } from '../../src/channels/index.ts';
import { identifyCustomer } from '../../src/customers/index.ts';
import type { DatabaseHandle } from '../../src/db/index.ts';
import type { ContactPolicy, MessageLogEntry, ProviderView } from '../../web/src/pages/settings/channels-api.ts';
import { testWorkspace } from '../fixtures.ts';
import { testStores } from '../stores.ts';
import { buildConsole, hasChromium, launchChromium, newConsolePage, screenshots, signIn, startServer, warnIfNoChromium } from './helpers.ts';

warnIfNoChromium('channels e2e');

const signingSecret = 'e2e-webhook-signing-secret-0123';

/** A webhook consumer on loopback: refuses a bad signature, and once it has a message posts a signed receipt to `receiptUrl`. */
interface Receiver {
  readonly url: string;
  readonly received: { key: string; body: Record<string, unknown> }[];
  rejected: number;
  receiptUrl: string | null;
  /** What the receiver reports for the messages it gets. */
  reportAs: 'delivered' | 'bounced';
  readonly receiptStatuses: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const state: Receiver = {
    url: '',
    received: [],
    rejected: 0,
    receiptUrl: null,
    reportAs: 'delivered',
    receiptStatuses: [],
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signed = verifyWebhookSignature(
        signingSecret,
        { body, signature: req.headers['x-patron-signature'] as string | undefined, timestamp: req.headers['x-patron-timestamp'] as string | undefined },
        Math.floor(Date.now() / 1000),
      );
      if (!signed) {
        state.rejected += 1;
        res.writeHead(401).end();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      state.received.push({ key, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      // The app shows the message to its user, then tells Patron, signed like the message it got.
      if (state.receiptUrl) {
        const receipt = JSON.stringify({ receipts: [{ idempotencyKey: key, status: state.reportAs, ...(state.reportAs === 'bounced' ? { reason: 'no such app user' } : {}) }] });
        const ts = Math.floor(Date.now() / 1000);
        void fetch(state.receiptUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-patron-timestamp': String(ts), 'x-patron-signature': signWebhook(signingSecret, ts, receipt) },
          body: receipt,
        }).then((r) => state.receiptStatuses.push(r.status));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/patron`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

describe.skipIf(!hasChromium)('channels settings in chromium', () => {
  let handle: DatabaseHandle;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let key: string;
  let receiver: Receiver;
  let customerId: number;
  let shot: (name: string) => Promise<void>;

  /** An option of the open Ant Design select (its hidden accessibility list also has role "option"). */
  const option = (text: string) => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: text }).first();
  const api = async <T,>(path: string): Promise<T> => {
    const res = await fetch(`${base}/api${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    await buildConsole();
    handle = await testStores()[0]!.open();
    const ws = await testWorkspace(handle.db, { name: '示例茶饮' });
    key = (await createApiKey(handle.db, { workspaceId: ws.id, kind: 'secret', name: 'e2e' })).key;
    customerId = (await identifyCustomer(handle.db, ws, { identities: [{ type: 'email', value: 'wang.fang@example.com' }], profile: { name: '王芳' }, reason: 'e2e' })).customerId;
    await identifyCustomer(handle.db, ws, { identities: [{ type: 'email', value: 'li.na@example.com' }], profile: { name: '李娜' }, reason: 'e2e' });
    receiver = await startReceiver();
    ({ app, base } = await startServer(handle.db, handle.kind));
    browser = await launchChromium();
    page = await newConsolePage(browser);
    page.on('pageerror', (error) => console.error(`channels e2e: page error: ${error.message}`));
    shot = screenshots(page);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await receiver?.close();
    await handle?.close();
  });

  it('lists the channels, none configured yet, under a sidebar entry', async () => {
    await page.goto(`${base}/settings/channels`);
    await signIn(page, key);
    await page.getByRole('heading', { name: '触达渠道', level: 2 }).waitFor();
    const nav = page.getByRole('navigation', { name: '主导航' });
    await expect.poll(() => nav.locator('.ant-menu-item-selected').innerText(), { timeout: 10_000 }).toBe('触达渠道');
    const tabs = page.getByRole('tab');
    await expect.poll(async () => (await tabs.allInnerTexts()).map((text) => text.replace(/\s+/g, '')), { timeout: 10_000 }).toEqual(['邮件（SMTP）未配置', '短信（阿里云）未配置', '微信公众号未配置', 'Webhook未配置']);
    await page.getByRole('tab', { name: /^Webhook/ }).click();
    expect(await page.getByTestId('channel-webhook').getByRole('button', { name: '发送测试消息' }).isDisabled()).toBe(true);
    await shot('channels-01-unconfigured');
  });

  it('shows a refused setting next to its field, saves the webhook, and never sends the secret back', async () => {
    const card = page.getByTestId('channel-webhook');
    await card.getByLabel('地址').fill('ftp://nowhere.example');
    await card.getByLabel('签名密钥（至少 16 个字符）').fill(signingSecret);
    await card.getByRole('button', { name: '保存Webhook' }).click();
    // The API refuses the URL at config.url; the message sits under that field.
    await card.locator('.ant-form-item-has-error').getByText('请检查地址：服务器未接受此值。').waitFor();
    expect(await card.locator('.ant-form-item-has-error').innerText()).toMatch(/config is invalid at url/);
    expect(await card.locator('.ant-form-item-has-error').count()).toBe(1);
    await shot('channels-02-field-error');

    await card.getByLabel('地址').fill(receiver.url);
    await card.getByRole('button', { name: '保存Webhook' }).click();
    await page.getByText('Webhook已保存').waitFor();
    await page.getByRole('tab', { name: /^Webhook\s*已配置$/ }).waitFor();
    await card.getByText('已设置。输入新值可替换，留空则保留。').waitFor();
    expect(await card.getByLabel('签名密钥（至少 16 个字符）').inputValue()).toBe('');

    const providers = await api<ProviderView[]>('/channels/providers');
    expect(providers).toEqual([{ channel: 'webhook', config: { url: receiver.url, timeoutMs: 5000, batchSize: 1 }, secrets: { signingSecret: 'set' } }]);
    expect(JSON.stringify(providers)).not.toContain(signingSecret);
    // What the page itself received from the server never contains the secret either.
    const seen = await page.evaluate(async () => (await fetch('/api/channels/providers')).text());
    expect(seen).not.toContain(signingSecret);

    // The receiver posts its receipts to the address the page shows for the webhook channel.
    const receiptUrl = await card.getByTestId('receipt-address-webhook').innerText();
    expect(receiptUrl).toMatch(new RegExp(`^${base}/hooks/webhook/receipts/\\d+\\.[A-Za-z0-9_-]{32}$`));
    receiver.receiptUrl = receiptUrl;
    await shot('channels-03-webhook-saved');
  });

  it('sends a test message from the page; the receiver gets it signed and the log shows it delivered', async () => {
    await page.getByTestId('channel-webhook').getByRole('button', { name: '发送测试消息' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: '立即发送' }).click();
    await dialog.getByText('请选择接收的客户').waitFor();
    await dialog.getByLabel('客户').fill('王芳');
    await option('王芳').click();
    await dialog.getByLabel('正文').fill('您好，这是一条测试消息');
    await dialog.getByRole('button', { name: '立即发送' }).click();
    const result = dialog.getByTestId('test-result');
    await result.waitFor();
    expect(await result.locator('[data-status]').getAttribute('data-status')).toBe('sent');
    await shot('channels-04-test-sent');

    expect(receiver.rejected).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toMatchObject({ customerId, text: '您好，这是一条测试消息', purpose: 'transactional' });
    await expect.poll(() => receiver.receiptStatuses, { timeout: 10_000 }).toEqual([200]);
    const [message] = (await api<{ messages: MessageLogEntry[] }>('/channels/messages?channel=webhook')).messages;
    expect(message).toMatchObject({ customerId, status: 'delivered', reason: null });
    expect(message!.reportedAt).not.toBeNull();

    await dialog.getByRole('button', { name: '关闭' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: '主导航' }).getByText('消息记录').click();
    await page.getByRole('heading', { name: '消息记录', level: 2 }).waitFor();
    const rows = page.getByTestId('message-log').locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().locator('[data-status]').getAttribute('data-status')).toBe('delivered');
    expect(await rows.first().innerText()).toContain('已送达');

    // Filtering by a status it does not have empties the table, with a hint of what to do.
    await page.getByLabel('状态').click();
    await option('退信').click();
    await page.getByRole('button', { name: '筛选' }).click();
    await page.getByText('还没有消息。').waitFor();
    // The chosen value now covers the input: open the select by its box.
    await page.locator('.ant-select', { has: page.locator('#filter-status') }).click();
    await option('已送达').click();
    await page.getByRole('button', { name: '筛选' }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').count(), { timeout: 10_000 }).toBe(0);
    await shot('channels-05-message-log');

    // The customer's 360 lists the message with its status.
    await rows.first().getByRole('link', { name: `#${customerId}` }).click();
    await page.getByRole('heading', { name: '王芳' }).waitFor();
    const messages = page.getByTestId('customer-messages');
    await messages.locator('[data-status="delivered"]').waitFor();
    await messages.scrollIntoViewIfNeeded();
    await shot('channels-06-customer-360');
  });

  it('sets a frequency cap and quiet hours', async () => {
    await page.getByRole('navigation', { name: '主导航' }).getByText('触达规则').click();
    await page.getByRole('heading', { name: '触达规则', level: 2 }).waitFor();
    await page.getByRole('button', { name: '添加上限：所有渠道合计' }).click();
    await page.getByLabel('所有渠道合计的第 1 条上限：消息数').fill('3');
    await page.getByLabel('所有渠道合计的第 1 条上限：天数').fill('7');
    await page.getByLabel('启用免打扰时段').click();
    await page.getByLabel('开始（HH:MM）').fill('25:00');
    await page.getByRole('button', { name: '保存规则' }).click();
    await page.getByText('请使用 24 小时制 HH:MM').waitFor();
    await page.getByLabel('开始（HH:MM）').fill('22:00');
    await page.getByLabel('结束（HH:MM）').fill('08:00');
    await page.getByRole('button', { name: '保存规则' }).click();
    await page.getByText('触达规则已保存').waitFor();
    const policy = await api<ContactPolicy>('/channels/policy');
    expect(policy.caps.global).toEqual([{ max: 3, days: 7 }]);
    expect(policy.quietHours).toEqual({ start: '22:00', end: '08:00', mode: 'hold' });
    await shot('channels-07-contact-policy');
  });

  it('lists a bounced address on the suppression list, and takes it off again', async () => {
    // A second customer's app user is gone: the receiver reports the test message as bounced.
    receiver.reportAs = 'bounced';
    const other = (await api<{ customers: { id: number; name: string }[] }>('/customers?q=李娜')).customers[0]!;
    const res = await fetch(`${base}/api/channels/providers/webhook/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: other.id, content: { text: 'hi' } }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => receiver.receiptStatuses, { timeout: 10_000 }).toEqual([200, 200]);
    await page.reload();
    const card = page.getByTestId('suppressions');
    const row = card.locator('tbody tr.ant-table-row');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.first().innerText()).toMatch(new RegExp(`Webhook\\s+${other.id}\\s+退信`));
    await card.scrollIntoViewIfNeeded();
    await shot('channels-08-suppressions');
    await card.getByRole('button', { name: `将 ${other.id} 移出屏蔽名单` }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '移除' }).click();
    await page.getByText(`已将 ${other.id} 移出屏蔽名单`).waitFor();
    await card.getByText('没有被屏蔽的地址。').waitFor();
    const [bounced] = (await api<{ messages: MessageLogEntry[] }>(`/channels/messages?customerId=${other.id}`)).messages;
    expect(bounced).toMatchObject({ status: 'bounced', reason: 'no such app user' });
  });

  it('reads in English', async () => {
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Contact policy', level: 2 }).waitFor();
    await page.getByTestId('caps-globalCaps').getByText('All channels together', { exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByText('Message log').click();
    await page.getByRole('heading', { name: 'Message log', level: 2 }).waitFor();
    await page.getByTestId('message-log').getByText('Delivered').waitFor();
    await shot('channels-09-message-log-en');
    await page.getByRole('navigation', { name: 'Main navigation' }).getByText('Channels').click();
    await page.getByRole('heading', { name: 'Channels', level: 2 }).waitFor();
    await page.getByRole('tab', { name: /^Webhook\s*Configured$/ }).waitFor();
    await shot('channels-10-channels-en');
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '触达渠道', level: 2 }).waitFor();
  });
});
