import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../access/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { importFile, type ImportOptions } from './index.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

const memberMapping = [
  { source: '会员号', target: 'external_id' },
  { source: '姓名', target: 'name' },
  { source: '手机', target: 'phone' },
  { source: '邮箱', target: 'email' },
  { source: '性别', target: 'gender' },
  { source: '生日', target: 'birthday' },
  { source: '城市', target: 'city' },
  { source: '标签', target: 'tags' },
  { source: '会员等级', target: 'attributes.tier' },
];

describe.each(testStores())('importing customers, products and events on $kind', (store) => {
  let h: DatabaseHandle;
  let dir: string;
  beforeAll(async () => {
    h = await store.open();
    dir = mkdtempSync(join(tmpdir(), 'patron-import-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (ws: Workspace, options: ImportOptions) => importFile(h.db, ws, { rejectsPath: join(dir, `rejects-${ws.slug}-${options.kind}.csv`), ...options });
  const profiles = (ws: Workspace) =>
    h.db
      .selectFrom('customers')
      .innerJoin('identities', (j) => j.onRef('identities.workspace_id', '=', 'customers.workspace_id').onRef('identities.customer_id', '=', 'customers.id'))
      .select(['customers.id', 'customers.name', 'customers.gender', 'customers.birthday', 'customers.city', 'customers.attributes', 'identities.value'])
      .where('customers.workspace_id', '=', ws.id)
      .where('identities.type', '=', 'external_id')
      .orderBy('identities.value')
      .execute();
  const tagsOf = async (ws: Workspace, customerId: number) =>
    (
      await h.db
        .selectFrom('customer_tags')
        .innerJoin('tags', (j) => j.onRef('tags.workspace_id', '=', 'customer_tags.workspace_id').onRef('tags.id', '=', 'customer_tags.tag_id'))
        .select('tags.name')
        .where('customer_tags.workspace_id', '=', ws.id)
        .where('customer_tags.customer_id', '=', customerId)
        .orderBy('tags.name')
        .execute()
    ).map((t) => t.name);

  it('upserts customers on their identities with profile fields, tags and attributes; bad rows are rejected with every reason', async () => {
    const ws = await testWorkspace(h.db);
    const summary = await run(ws, { kind: 'customers', file: fixture('customers.csv'), mapping: memberMapping });
    expect(summary).toMatchObject({ rowsRead: 4, inserted: 2, updated: 0, unchanged: 0, rejected: 2 });
    const rows = await profiles(ws);
    expect(rows.map(({ id: _, ...r }) => r)).toEqual([
      { name: '李雷', gender: 'male', birthday: '1990-05-01', city: '上海', attributes: { tier: 'gold' }, value: 'M001' },
      { name: '韩梅梅', gender: 'female', birthday: '1992-07-15', city: '北京', attributes: { tier: 'silver' }, value: 'M002' },
    ]);
    expect(await tagsOf(ws, rows[0]!.id)).toEqual(['VIP', '新客']);
    const identities = await h.db.selectFrom('identities').select(['type', 'value']).where('workspace_id', '=', ws.id).where('customer_id', '=', rows[1]!.id).orderBy('type').execute();
    expect(identities).toEqual([
      { type: 'email', value: 'hanmeimei@example.com' },
      { type: 'external_id', value: 'M002' },
      { type: 'phone', value: '+8613800138001' },
    ]);
    const rejects = readFileSync(summary.rejectsPath!, 'utf8').trim().split('\n');
    expect(rejects[0]).toBe('line,column,reason,会员号,姓名,手机,邮箱,性别,生日,城市,标签,会员等级');
    expect(rejects[1]).toMatch(/^4,邮箱,"邮箱: ""bad@"" is not an email address; 手机: ""12"" is not a phone number \(default country CN\); 性别: ""X"" is not a gender.*; 生日: ""1990-13-01"" is not a date/);
    expect(rejects[2]).toBe('5,,"the row has no identifier: give one of external_id, wechat_unionid, email, phone, wechat_openid, anonymous_id",,No Id,,,,,,,');

    expect(await run(ws, { kind: 'customers', file: fixture('customers.csv'), mapping: memberMapping })).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, rejected: 2 });

    // A later file with a changed city and a new tag updates; an email links to the same profile.
    const update = join(dir, 'update.csv');
    writeFileSync(update, 'id,city,tags,email\nM001,杭州,VIP;回头客,li.lei@example.com\nM002,北京,,\n');
    expect(await run(ws, { kind: 'customers', file: update, mapping: [{ source: 'id', target: 'external_id' }] })).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const after = await profiles(ws);
    expect(after[0]).toMatchObject({ id: rows[0]!.id, name: '李雷', city: '杭州' });
    expect(await tagsOf(ws, rows[0]!.id)).toEqual(['VIP', '回头客', '新客']);
    expect(await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', 'li.lei@example.com').executeTakeFirstOrThrow()).toEqual({ customer_id: rows[0]!.id });
  });

  it('keeps unmapped columns as attributes with --keep-extra, and reads customers from Excel and JSON Lines', async () => {
    const ws = await testWorkspace(h.db);
    const file = join(dir, 'members.xlsx');
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Notes').addRow(['not this sheet']);
    const sheet = book.addWorksheet('Members');
    sheet.addRow(['external_id', 'name', 'birthday', 'signed_up_at', 'vip_level', 'points']);
    sheet.addRow(['X1', { richText: [{ text: 'Zhang ' }, { text: 'San' }] }, new Date(Date.UTC(1988, 1, 29)), new Date(Date.UTC(2024, 5, 1, 9, 30)), 'gold', 1200]);
    sheet.addRow(['X2', 'Li Si', null, null, null, 0]);
    await book.xlsx.writeFile(file);
    expect(await run(ws, { kind: 'customers', file, sheet: 'Members', keepExtra: true })).toMatchObject({ format: 'xlsx', inserted: 2, rejected: 0 });
    const rows = await h.db.selectFrom('customers').select(['name', 'birthday', 'signed_up_at', 'attributes']).where('workspace_id', '=', ws.id).orderBy('id').execute();
    expect(rows).toEqual([
      { name: 'Zhang San', birthday: '1988-02-29', signed_up_at: new Date('2024-06-01T01:30:00Z'), attributes: { vip_level: 'gold', points: 1200 } },
      { name: 'Li Si', birthday: null, signed_up_at: null, attributes: { points: 0 } },
    ]);

    const jsonl = join(dir, 'members.jsonl');
    writeFileSync(jsonl, '{"id":"X1","contact":{"email":"z@example.com"},"plan":"pro"}\n{"id":"X3","tags":["a","b"]}\n[1,2]\n');
    const summary = await run(ws, { kind: 'customers', file: jsonl, mapping: [{ source: 'id', target: 'external_id' }, { source: 'contact.email', target: 'email' }], keepExtra: true });
    expect(summary).toMatchObject({ format: 'jsonl', inserted: 1, updated: 1, rejected: 1 });
    expect(readFileSync(summary.rejectsPath!, 'utf8').trim().split('\n')).toEqual(['line,column,reason,row', '3,,the line is not a JSON object,"[1,2]"']);
    const x1 = await h.db.selectFrom('customers').select('attributes').where('workspace_id', '=', ws.id).orderBy('id').executeTakeFirstOrThrow();
    expect(x1.attributes).toEqual({ vip_level: 'gold', points: 1200, plan: 'pro' });
  });

  it('upserts products on SKU and counts what changed', async () => {
    const ws = await testWorkspace(h.db);
    const summary = await run(ws, { kind: 'products', file: fixture('products.csv'), keepExtra: true });
    expect(summary).toMatchObject({ rowsRead: 4, inserted: 3, updated: 0, unchanged: 0, rejected: 1 });
    const products = await h.db.selectFrom('products').select(['sku', 'name', 'category', 'price_minor', 'currency', 'attributes']).where('workspace_id', '=', ws.id).orderBy('sku').execute();
    expect(products).toEqual([
      { sku: 'CUP-2', name: 'Glass cup', category: 'Teaware', price_minor: 2220, currency: 'CNY', attributes: {} },
      { sku: 'TEA-1', name: 'Longjing 250g', category: 'Tea', price_minor: 12800, currency: 'CNY', attributes: { origin: 'Hangzhou' } },
      { sku: 'TEA-3', name: "Pu'er cake", category: 'Tea', price_minor: 30000, currency: 'CNY', attributes: { origin: 'Yunnan' } },
    ]);
    expect(await run(ws, { kind: 'products', file: fixture('products.csv'), keepExtra: true })).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    const changed = join(dir, 'products.csv');
    writeFileSync(changed, 'sku,name,price\nTEA-1,Longjing 250g,138\nTEA-9,New tea,50\n');
    expect(await run(ws, { kind: 'products', file: changed })).toMatchObject({ inserted: 1, updated: 1, unchanged: 0 });
  });

  it('records events once per message id, deriving ids from the row, and attributes them to profiles', async () => {
    const ws = await testWorkspace(h.db);
    const summary = await run(ws, { kind: 'events', file: fixture('events.jsonl') });
    expect(summary).toMatchObject({ rowsRead: 5, inserted: 3, unchanged: 0, rejected: 2 });
    const events = await h.db.selectFrom('events').select(['message_id', 'type', 'name', 'occurred_at', 'properties', 'anonymous_id', 'customer_id']).where('workspace_id', '=', ws.id).orderBy('occurred_at').execute();
    expect(events.map((e) => [e.type, e.name, e.occurred_at.toISOString(), e.properties, e.anonymous_id])).toEqual([
      ['track', 'Product Viewed', '2025-03-01T02:00:00.000Z', { sku: 'TEA-1' }, null],
      ['page', 'Home', '2025-03-01T02:01:00.000Z', {}, 'anon-9'],
      ['track', 'Order Completed', '2025-03-01T02:05:00.000Z', { total: 128 }, null],
    ]);
    expect(events[2]!.message_id).toBe('m-2');
    expect(events[0]!.message_id).toMatch(/^import-/);
    expect(events[0]!.customer_id).toBe(events[2]!.customer_id);
    expect(events[1]!.customer_id).not.toBe(events[0]!.customer_id);
    expect(await run(ws, { kind: 'events', file: fixture('events.jsonl') })).toMatchObject({ inserted: 0, unchanged: 3, rejected: 2 });

    const csv = join(dir, 'clicks.csv');
    writeFileSync(csv, 'user,ts,event,plan,price\nu1,2025-03-02 08:00,Plan Chosen,pro,99.5\nu1,2025-03-02 08:00,Plan Chosen,pro,99.5\n');
    const clicks = await run(ws, { kind: 'events', file: csv, mapping: [{ source: 'user', target: 'customer.external_id' }, { source: 'ts', target: 'timestamp' }], keepExtra: true });
    // Two identical rows derive one message id: one event.
    expect(clicks).toMatchObject({ inserted: 1, unchanged: 1 });
    const plan = await h.db.selectFrom('events').select('properties').where('workspace_id', '=', ws.id).where('name', '=', 'Plan Chosen').executeTakeFirstOrThrow();
    expect(plan.properties).toEqual({ plan: 'pro', price: '99.5' });
  });

  it('refuses a mapping onto an unknown field, a column not in the file and a missing required field', async () => {
    const ws = await testWorkspace(h.db);
    await expect(run(ws, { kind: 'orders', file: fixture('orders-lines.csv'), mapping: [{ source: 'created', target: 'order_date' }] })).rejects.toThrow(
      /"order_date" \(mapped from column created\) is not a field of orders\. Fields: order_number, ordered_at/,
    );
    await expect(run(ws, { kind: 'orders', file: fixture('orders-lines.csv'), mapping: [{ source: 'when', target: 'ordered_at' }] })).rejects.toThrow(/Column "when" is not in the file; its columns are: order_no, created/);
    await expect(run(ws, { kind: 'orders', file: fixture('orders-lines.csv') })).rejects.toThrow(/orders need a column for ordered_at: map one with --map COLUMN=ordered_at/);
    await expect(run(ws, { kind: 'orders', file: fixture('orders-lines.csv'), keepExtra: true })).rejects.toThrow(/orders have no free-form fields/);
    await expect(run(ws, { kind: 'events', file: join(dir, 'missing.csv') })).rejects.toThrow(/no such file/);
  });
});
