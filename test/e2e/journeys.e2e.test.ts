// The journeys and campaigns pages (自动化旅程, 营销活动) in Debian's chromium against the real server on
// PGlite, over the overview's tea retailer: build a journey on the canvas (trigger → wait → send → exit),
// see the canvas's own complaint and then the server's validation error on the node they are about, fix
// it, save and publish, see it live in the list; see per-step counts on a live journey's canvas; compose
// a campaign with two variants and a holdout, preview a variant for a customer, send it, and read its
// results (uplift against the holdout with 95% intervals) as the API computes them; read it all in English.
// Screenshots go to test-artifacts/console/journeys-*.png.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.ts';
import { runEngineTick } from '../../src/journeys/index.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { recordOrders } from '../../src/orders/index.ts';
import type { CampaignResults } from '../../web/src/pages/campaigns/campaigns-api.ts';
import type { Journey, JourneySummary } from '../../web/src/pages/journeys/journeys-api.ts';
import { formatCount } from '../../web/src/format/numbers.ts';
import { testStores } from '../stores.ts';
import { buildConsole, hasChromium, launchChromium, newConsolePage, screenshots, signIn, startServer, warnIfNoChromium } from './helpers.ts';
import { seedOverviewData, type OverviewData } from './overview-data.ts';

warnIfNoChromium('journeys e2e');

/** The console's way of writing an uplift in percentage points ("+4.0 pp"). */
const points = (value: number, locale: string) => `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1, signDisplay: 'exceptZero' }).format(value * 100)} pp`;

describe.skipIf(!hasChromium)('journeys and campaigns in chromium', () => {
  let handle: DatabaseHandle;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let data: OverviewData;
  let shot: (name: string) => Promise<void>;
  let segmentId = 0;
  let members = 0;
  let journeyId = 0;
  let campaignId = 0;

  const api = async <T,>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> => {
    const res = await fetch(`${base}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${data.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const node = (id: string) => page.getByTestId(`journey-node-${id}`);
  const panel = () => page.getByTestId('journey-panel');

  beforeAll(async () => {
    await buildConsole();
    handle = await testStores()[0]!.open();
    data = await seedOverviewData(handle.db);
    ({ app, base } = await startServer(handle.db, handle.kind));
    // The audience of the journey's branch-free sibling and of the campaign: customers with 2+ orders.
    const segment = await api<{ id: number; memberCount: number }>('/segments', {
      name: '复购客户',
      description: '',
      kind: 'dynamic',
      rule: { version: 1, root: { all: [{ kind: 'orders', measure: 'count', op: 'gte', value: 2 }] } },
    });
    segmentId = segment.id;
    members = segment.memberCount;
    expect(members).toBeGreaterThan(20);
    browser = await launchChromium();
    page = await newConsolePage(browser);
    page.on('pageerror', (error) => console.error(`journeys e2e: page error: ${error.message}`));
    shot = screenshots(page);
  }, 360_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await handle?.close();
  });

  it('has a sidebar entry and an empty list that says what to do', async () => {
    await page.goto(`${base}/journeys`);
    await signIn(page, data.secretKey);
    await page.getByRole('heading', { name: '自动化旅程' }).waitFor();
    const nav = page.getByRole('navigation', { name: '主导航' });
    await expect.poll(() => nav.locator('.ant-menu-item-selected').innerText()).toBe('自动化旅程');
    await page.getByText('还没有旅程').waitFor();
    await shot('journeys-01-empty-list');
  });

  it('builds trigger → wait → send on the canvas and shows what is wrong on the node it is about', async () => {
    await page.getByRole('button', { name: '新建旅程' }).first().click();
    await page.getByRole('heading', { name: '新建旅程' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/journeys/new');
    await page.getByLabel('名称', { exact: true }).fill('新客欢迎流程');

    // The trigger is selected first: an event, named in its panel.
    await panel().getByLabel('事件名称').fill('Signed Up');
    await expect.poll(() => node('trigger').innerText()).toContain('事件“Signed Up”');

    // Each step from the palette is connected after the selected one and becomes selected.
    await page.getByRole('button', { name: '添加步骤：等待', exact: true }).click();
    await node('wait_1').waitFor();
    await page.getByRole('button', { name: '添加步骤：发送消息', exact: true }).click();
    await node('send_1').waitFor();
    expect(await page.locator('.react-flow__edge').count()).toBe(2);
    // The panel shows the selected send step and where its output leads (nowhere yet).
    await panel().getByRole('heading', { name: /发送消息/ }).waitFor();

    // Saving with the send's output unconnected: the canvas names the node before asking the server.
    await page.getByRole('button', { name: '保存草稿' }).click();
    await node('send_1').getByTestId('node-error').waitFor();
    expect(await node('send_1').getAttribute('data-invalid')).toBe('true');
    expect(await node('wait_1').getAttribute('data-invalid')).toBe('false');
    expect(await page.getByTestId('journey-problems').innerText()).toContain('保存前需修正 1 个问题');
    await shot('journeys-02-canvas-unconnected');

    // An exit after the send; the message text is still empty, which the server refuses on that node.
    await page.getByRole('button', { name: '添加步骤：退出', exact: true }).click();
    await node('exit_1').waitFor();
    await page.getByRole('button', { name: '保存草稿' }).click();
    const serverError = node('send_1').getByTestId('node-error');
    await serverError.waitFor();
    // The server's message, without its 'journey node "send_1" (send)' opening: the node says which.
    expect(await serverError.innerText()).toMatch(/^content\.text: /);
    expect(await page.getByTestId('journey-problems').innerText()).toContain('send_1');
    expect(await page.locator('[data-invalid="true"]').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/journeys/new');
    // Selecting the node shows the same complaint under the field it is about.
    await node('send_1').click();
    await panel().locator('.ant-form-item-has-error').getByLabel('消息正文').waitFor();
    expect(await panel().locator('.ant-form-item-explain-error').innerText()).toMatch(/^content\.text: /);
    await shot('journeys-03-server-error-on-node');

    // Writing the message fixes it: the draft is saved and gets its own address.
    await panel().getByLabel('消息正文').fill('欢迎加入，{{ customer.name }}！');
    await expect.poll(() => page.locator('[data-invalid="true"]').count()).toBe(0);
    await page.getByRole('button', { name: '保存草稿' }).click();
    await page.waitForURL(/\/journeys\/\d+$/);
    journeyId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByTestId('journey-state').getByText('草稿').waitFor();
    const saved = await api<Journey>(`/journeys/${journeyId}`);
    expect(saved.graph).toMatchObject({
      trigger: { kind: 'event', event: 'Signed Up' },
      entry: 'wait_1',
      nodes: {
        wait_1: { kind: 'wait', duration: { days: 1 }, next: 'send_1' },
        send_1: { kind: 'send', channel: 'preferred', content: { text: '欢迎加入，{{ customer.name }}！' }, next: 'exit_1' },
        exit_1: { kind: 'exit' },
      },
    });
  });

  it('publishes the journey, which makes the canvas read-only with counts, and lists it as live', async () => {
    await page.getByRole('button', { name: '发布' }).click();
    await page.getByTestId('journey-state').getByText('运行中').waitFor();
    expect((await api<Journey>(`/journeys/${journeyId}`)).state).toBe('live');
    await page.getByRole('button', { name: '编辑（新版本）' }).waitFor();
    expect(await page.getByRole('button', { name: '添加步骤：等待', exact: true }).count()).toBe(0);
    await page.getByTestId('journey-node-counts-wait_1').waitFor();
    await shot('journeys-04-published');

    await page.getByRole('link', { name: '返回旅程列表' }).click();
    await page.getByRole('link', { name: '新客欢迎流程' }).waitFor();
    expect(await page.getByTestId(`journey-state-${journeyId}`).innerText()).toBe('运行中');
    const listed = (await api<{ journeys: JourneySummary[] }>('/journeys')).journeys.find((j) => j.id === journeyId)!;
    expect(await page.getByTestId(`journey-entered-${journeyId}`).innerText()).toBe(formatCount(listed.entered, 'zh-CN'));
    await page.getByText('事件“Signed Up”').waitFor();
    await shot('journeys-05-list-live');
  });

  it('shows per-step counts on a live journey’s canvas', async () => {
    // An API-triggered journey with customers in it: they wait at the wait step after the engine runs.
    const created = await api<Journey>('/journeys', {
      name: 'VIP 回访',
      graph: {
        version: 1,
        trigger: { kind: 'api' },
        entry: 'tag',
        nodes: { tag: { kind: 'update', addTags: ['vip-call'], next: 'wait' }, wait: { kind: 'wait', duration: { days: 2 }, next: 'done' }, done: { kind: 'exit' } },
      },
    });
    await api(`/journeys/${created.id}/publish`, {});
    const { members: some } = await api<{ members: { customerId: number }[] }>(`/segments/${segmentId}/members?limit=5`);
    await api(`/journeys/${created.id}/enrol`, { customerIds: some.map((m) => m.customerId) });
    await runEngineTick(handle.db, systemClock, { deliver: false });
    const steps = (await api<{ steps: { nodeId: string; current: number }[] }>(`/journeys/${created.id}/steps`)).steps;
    const here = steps.find((s) => s.current > 0)!;
    expect(here.current).toBe(some.length);

    await page.goto(`${base}/journeys/${created.id}`);
    const counts = page.getByTestId(`journey-node-counts-${here.nodeId}`);
    await expect.poll(() => counts.innerText(), { timeout: 10_000 }).toContain(`当前 ${some.length} 人`);
    expect(await page.getByTestId('journey-node-counts-tag').innerText()).toContain('当前 0 人');
    await shot('journeys-06-live-counts');
  });

  it('composes a campaign with two variants and a holdout, previews a variant and sends it', async () => {
    await page.goto(`${base}/campaigns`);
    await page.getByText('还没有营销活动').waitFor();
    await page.getByRole('button', { name: '新建活动' }).first().click();
    await page.getByRole('heading', { name: '新建营销活动' }).waitFor();
    // Saving without a name or audience says what is missing.
    await page.getByRole('button', { name: '保存并立即发送' }).click();
    await page.getByText('请为活动命名').waitFor();
    await page.getByText('请选择要发送的分群').waitFor();

    await page.getByLabel('名称', { exact: true }).fill('中秋茶礼');
    await page.getByLabel('受众（已保存分群）').click();
    await page.locator('.ant-select-item-option', { hasText: '复购客户' }).click();
    await page.getByText(`当前 ${formatCount(members, 'zh-CN')} 位成员`).waitFor();
    // Filled in, the fields stop saying they are missing.
    await expect.poll(() => page.getByText('请为活动命名').count()).toBe(0);
    await expect.poll(() => page.getByText('请选择要发送的分群').count()).toBe(0);
    await page.getByLabel('对照组', { exact: true }).fill('20');
    await page.getByTestId('variant-0').getByLabel('消息正文').fill('{{ customer.name }}，中秋茶礼八折');
    await page.getByRole('button', { name: '添加版本' }).click();
    await page.getByTestId('variant-1').getByLabel('消息正文').fill('{{ customer.name }}，中秋满 300 减 50');
    // Each variant is 40% of the audience once 20% is held out.
    await page.getByTestId('variant-1').getByText('约占受众 40%').waitFor();

    // The preview renders the first member's name into the message.
    const { members: first } = await api<{ members: { customerId: number; name: string }[] }>(`/segments/${segmentId}/members?limit=1`);
    await expect.poll(() => page.getByLabel('预览客户（ID）').inputValue()).toBe(String(first[0]!.customerId));
    await page.getByTestId('variant-0').getByRole('button', { name: '按此客户预览' }).click();
    await expect.poll(() => page.getByTestId('variant-preview-0').innerText()).toBe(`${first[0]!.name}，中秋茶礼八折`);
    // A variable the customer does not have is named by the preview.
    await page.getByTestId('variant-1').getByLabel('消息正文').fill('{{ customer.nickname }}，中秋满 300 减 50');
    await page.getByTestId('variant-1').getByRole('button', { name: '按此客户预览' }).click();
    await page.getByTestId('variant-1').getByRole('alert').waitFor();
    expect(await page.getByTestId('variant-1').getByRole('alert').innerText()).toContain('nickname');
    await page.getByTestId('variant-1').getByLabel('消息正文').fill('{{ customer.name }}，中秋满 300 减 50');
    // Changing the content takes the stale complaint away.
    await expect.poll(() => page.getByTestId('variant-1').getByRole('alert').count()).toBe(0);
    await shot('journeys-07-campaign-composer');

    await page.getByRole('button', { name: '保存并立即发送' }).click();
    await page.waitForURL(/\/campaigns\/\d+$/);
    campaignId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByTestId('campaign-status').getByText('已定时').waitFor();
  });

  it('shows the campaign’s results per variant with uplift against the holdout and 95% intervals', async () => {
    // The engine sends the campaign; then some of variant a's recipients buy within the window.
    await runEngineTick(handle.db, systemClock, { deliver: false });
    const { rows } = await sql<{ variant: string; email: string }>`
      SELECT r.variant, i.value AS email FROM campaign_recipients r
      JOIN identities i ON i.workspace_id = r.workspace_id AND i.customer_id = r.customer_id AND i.type = 'email'
      WHERE r.workspace_id = ${data.workspace.id} AND r.campaign_id = ${campaignId} ORDER BY r.customer_id`.execute(handle.db);
    expect(rows).toHaveLength(members);
    const buyers = [...rows.filter((r) => r.variant === 'a').slice(0, 12), ...rows.filter((r) => r.variant === 'holdout').slice(0, 1)];
    await recordOrders(
      handle.db,
      data.workspace,
      buyers.map((b, i) => ({ externalId: `MID-${i}`, customer: { identities: [{ type: 'email' as const, value: b.email }] }, currency: 'CNY', orderedAt: new Date(), totalMinor: 30_000 })),
    );
    const results = await api<CampaignResults>(`/campaigns/${campaignId}/results`);
    const a = results.arms.find((x) => x.variant === 'a')!;
    expect(a.vsHoldout).not.toBeNull();

    await page.reload();
    await page.getByTestId('campaign-status').getByText('已发送').waitFor({ timeout: 20_000 });
    const arms = page.getByTestId('campaign-arms');
    await arms.getByText('对照组', { exact: true }).waitFor();
    expect(await arms.locator('tbody tr.ant-table-row').count()).toBe(3);
    expect(await page.getByTestId('converted-a').innerText()).toBe(formatCount(a.converted, 'zh-CN'));
    expect(await page.getByTestId('uplift-a').innerText()).toContain(points(a.vsHoldout!.uplift, 'zh-CN'));
    expect(await page.getByTestId('ci-a').innerText()).toBe(`[${points(a.vsHoldout!.ci95[0], 'zh-CN')}, ${points(a.vsHoldout!.ci95[1], 'zh-CN')}]`);
    expect(await page.getByTestId('p-a').innerText()).toBe(a.vsHoldout!.pValue.toFixed(4));
    await page.getByTestId('interval-a').waitFor();
    await page.getByTestId('interval-b').waitFor();
    await shot('journeys-08-campaign-results');

    await page.getByRole('link', { name: '返回活动列表' }).click();
    await page.getByRole('link', { name: '中秋茶礼' }).waitFor();
    expect(await page.getByTestId(`campaign-status-${campaignId}`).innerText()).toBe('已发送');
    await shot('journeys-09-campaign-list');
  });

  it('branches on a rule from the segments builder and splits A/B, connecting outputs from the keyboard', async () => {
    // By its whole title: a dropdown closing after a choice is still in the page for a moment.
    const option = (title: string) => page.locator(`.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="${title}"]`);
    // Antd draws the chosen value over a select's input: the click goes to the input underneath.
    const open = (label: string) => panel().getByRole('combobox', { name: label, exact: true }).click({ force: true });
    const pick = async (title: string) => {
      await open('查看设置');
      await option(title).click();
    };
    await page.goto(`${base}/journeys/new`);
    await page.getByLabel('名称', { exact: true }).fill('复购提醒 A/B');
    // Segment entry: the first saved segment is proposed.
    await open('客户进入的方式');
    await option('进入或离开分群').click();
    await expect.poll(() => node('trigger').innerText()).toContain('进入分群 复购客户');

    await page.getByRole('button', { name: '添加步骤：条件分支', exact: true }).click();
    await panel().getByRole('button', { name: /添加条件$/ }).click();
    await page.getByRole('menuitem', { name: '订单', exact: true }).click();
    await expect.poll(() => node('branch_1').innerText()).toContain('1 个条件');
    // The split hangs from the branch's "yes", the exit (added with the branch selected again) from its "no".
    await page.getByRole('button', { name: '添加步骤：A/B 分流', exact: true }).click();
    await pick('条件分支 · branch_1');
    await page.getByRole('button', { name: '添加步骤：退出', exact: true }).click();
    await pick('A/B 分流 · split_1');
    await page.getByRole('button', { name: '添加步骤：发送消息', exact: true }).click();
    await panel().getByLabel('消息正文').fill('好久不见，{{ customer.name }}');
    await open('下一步');
    await option('exit_1').click();
    await pick('A/B 分流 · split_1');
    await open('B');
    await option('exit_1').click();
    await shot('journeys-13-branch-and-split');

    await page.getByRole('button', { name: '保存草稿' }).click();
    await page.waitForURL(/\/journeys\/\d+$/);
    const saved = await api<Journey>(`/journeys/${new URL(page.url()).pathname.split('/').pop()}`);
    expect(saved.graph).toMatchObject({
      trigger: { kind: 'segment', segmentId, on: 'entry' },
      entry: 'branch_1',
      nodes: {
        branch_1: { kind: 'branch', rule: { version: 1, root: { all: [expect.objectContaining({ kind: 'orders' })] } }, yes: 'split_1', no: 'exit_1' },
        split_1: {
          kind: 'split',
          branches: [
            { name: 'A', weight: 1, next: 'send_1' },
            { name: 'B', weight: 1, next: 'exit_1' },
          ],
        },
        send_1: { kind: 'send', content: { text: '好久不见，{{ customer.name }}' }, next: 'exit_1' },
        exit_1: { kind: 'exit' },
      },
    });
  });

  it('switches to English', async () => {
    await page.goto(`${base}/journeys`);
    await page.getByRole('heading', { name: '自动化旅程' }).waitFor();
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Journeys' }).waitFor();
    expect(await page.getByTestId(`journey-state-${journeyId}`).innerText()).toBe('Live');
    await page.getByText('Event “Signed Up”').waitFor();
    await shot('journeys-10-list-english');
    await page.getByRole('link', { name: '新客欢迎流程' }).click();
    await page.getByRole('button', { name: 'Edit (new version)' }).waitFor();
    await expect.poll(() => page.getByTestId('journey-node-wait_1').innerText()).toContain('1 day');
    await shot('journeys-11-canvas-english');
    await page.goto(`${base}/campaigns/${campaignId}`);
    await page.getByText('Uplift over the holdout with its 95% interval').waitFor();
    await shot('journeys-12-results-english');
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '中秋茶礼' }).waitFor();
  }, 120_000);
});
