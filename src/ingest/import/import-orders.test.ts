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
const cdnowSample = join(import.meta.dirname, '../../../../shared/datasets/cdnow_sample_transactions.csv');

const shopMapping = [
  { source: 'order_no', target: 'order_number' },
  { source: 'created', target: 'ordered_at' },
  { source: 'customer_email', target: 'customer.email' },
  { source: 'product', target: 'product_name' },
  { source: 'qty', target: 'quantity' },
  { source: 'price', target: 'unit_price' },
];
const uciMapping = [
  { source: 'InvoiceNo', target: 'order_number' },
  { source: 'StockCode', target: 'sku' },
  { source: 'Description', target: 'product_name' },
  { source: 'Quantity', target: 'quantity' },
  { source: 'InvoiceDate', target: 'ordered_at' },
  { source: 'UnitPrice', target: 'unit_price' },
  { source: 'CustomerID', target: 'customer.external_id' },
  { source: 'Country', target: 'customer.country' },
];

/** Parses the rejects file into rows of cells (the fixtures' rejects have no line breaks inside fields). */
function readRejects(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, -1).map((f) => f.replace(/,$/, '').replace(/^"(.*)"$/s, '$1').replace(/""/g, '"')));
}

describe.each(testStores())('importing orders on $kind', (store) => {
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

  const run = (ws: Workspace, options: Omit<ImportOptions, 'kind'>) => importFile(h.db, ws, { kind: 'orders', rejectsPath: join(dir, `rejects-${ws.slug}.csv`), ...options });
  const ordersOf = (ws: Workspace) =>
    h.db.selectFrom('orders').select(['external_id', 'customer_id', 'total_minor', 'refunded_minor', 'status', 'channel', 'currency', 'ordered_at', 'item_count']).where('workspace_id', '=', ws.id).orderBy('external_id').execute();
  const itemsOf = (ws: Workspace, number: string) =>
    h.db
      .selectFrom('order_items')
      .innerJoin('orders', (j) => j.onRef('orders.workspace_id', '=', 'order_items.workspace_id').onRef('orders.id', '=', 'order_items.order_id'))
      .select(['order_items.sku', 'order_items.quantity', 'order_items.unit_price_minor', 'order_items.amount_minor'])
      .where('orders.workspace_id', '=', ws.id)
      .where('orders.external_id', '=', number)
      .orderBy('order_items.line_no')
      .execute();
  const count = async (ws: Workspace, table: 'orders' | 'customers' | 'order_items' | 'order_refunds') =>
    Number((await h.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).n);

  it('folds order lines into orders, keeps guests, rounds float noise, refunds negative lines, and re-importing changes nothing', async () => {
    const ws = await testWorkspace(h.db);
    const first = await run(ws, { file: fixture('orders-lines.csv'), mapping: shopMapping });
    expect(first).toMatchObject({ result: 'imported', rowsRead: 6, inserted: 4, updated: 0, unchanged: 0, rejected: 0, refundsApplied: 1, rejectsPath: undefined });
    const orders = await ordersOf(ws);
    expect(orders.map((o) => [o.external_id, o.total_minor, o.refunded_minor, o.status, o.channel, o.item_count])).toEqual([
      ['A1001', 25600 + 2220, 0, 'completed', 'tmall', 3],
      ['A1002', 12800, 0, 'completed', 'jd', 1],
      ['A1003', 30000, 0, 'completed', 'store', 1],
      ['A1004', 38400, 12800, 'partially_refunded', 'tmall', 3],
    ]);
    // Local times are read in the workspace's zone (Asia/Shanghai).
    expect(orders[0]!.ordered_at.toISOString()).toBe('2025-03-01T02:15:00.000Z');
    expect(orders[2]!.customer_id).toBeNull();
    expect(orders[0]!.customer_id).toBe(orders[3]!.customer_id);
    expect(await itemsOf(ws, 'A1001')).toEqual([
      { sku: 'TEA-1', quantity: 2, unit_price_minor: 12800, amount_minor: 25600 },
      { sku: 'CUP-2', quantity: 1, unit_price_minor: 2220, amount_minor: 2220 },
    ]);
    const wang = await h.db.selectFrom('identities').select('value').where('workspace_id', '=', ws.id).where('type', '=', 'email').orderBy('value').execute();
    expect(wang.map((w) => w.value)).toEqual(['li@example.com', 'wang@example.com']);
    const stats = await h.db.selectFrom('customer_stats').select(['order_count', 'total_minor', 'refunded_minor']).where('workspace_id', '=', ws.id).where('customer_id', '=', orders[0]!.customer_id!).executeTakeFirstOrThrow();
    expect(stats).toEqual({ order_count: 2, total_minor: 27820 + 38400 - 12800, refunded_minor: 12800 });

    const again = await run(ws, { file: fixture('orders-lines.csv'), mapping: shopMapping });
    expect(again).toMatchObject({ rowsRead: 6, inserted: 0, updated: 0, unchanged: 4, rejected: 0, refundsApplied: 0, refundDuplicates: 1 });
    expect(await ordersOf(ws)).toEqual(orders);
  });

  it('writes the good rows of a mixed file and each bad row to the rejects file with its line, column and reason', async () => {
    const ws = await testWorkspace(h.db);
    const summary = await run(ws, { file: fixture('orders-mixed.csv'), mapping: shopMapping.filter((m) => m.source !== 'product') });
    expect(summary).toMatchObject({ rowsRead: 7, inserted: 2, rejected: 5, rejectsPath: join(dir, `rejects-${ws.slug}.csv`) });
    expect((await ordersOf(ws)).map((o) => [o.external_id, o.total_minor])).toEqual([
      ['B2001', 12800],
      ['B2007', 10000],
    ]);
    const rejects = readRejects(summary.rejectsPath!);
    expect(rejects[0]).toEqual(['line', 'column', 'reason', 'order_no', 'created', 'customer_email', 'sku', 'qty', 'price']);
    expect(rejects.slice(1).map(([line, column]) => [line, column])).toEqual([
      ['3', 'created'],
      ['4', 'customer_email'],
      ['5', 'price'],
      ['6', 'qty'],
      ['7', 'created'],
    ]);
    expect(rejects[1]![2]).toMatch(/"2025-13-01 10:00" is not a date/);
    expect(rejects[2]![2]).toBe('"not-an-email" is not an email address');
    expect(rejects[3]![2]).toMatch(/"abc" is not an amount/);
    expect(rejects[4]![2]).toBe('the quantity is 0');
    expect(rejects[5]![2]).toBe('the order date is empty');
    // The original row follows, cell by cell.
    expect(rejects[2]!.slice(3)).toEqual(['B2003', '2025-04-03 10:00', 'not-an-email', 'TEA-1', '1', '128']);
  });

  it('in strict mode rejects the whole file and leaves the database untouched', async () => {
    const ws = await testWorkspace(h.db);
    const summary = await run(ws, { file: fixture('orders-mixed.csv'), mapping: shopMapping.filter((m) => m.source !== 'product'), strict: true });
    expect(summary).toMatchObject({ result: 'rejected', inserted: 0, rejected: 5 });
    expect(await count(ws, 'orders')).toBe(0);
    expect(await count(ws, 'customers')).toBe(0);
    expect(readRejects(summary.rejectsPath!)).toHaveLength(6);

    const good = await run(ws, { file: fixture('orders-lines.csv'), mapping: shopMapping, strict: true });
    expect(good).toMatchObject({ result: 'imported', inserted: 4, rejected: 0 });
  });

  it('reads UCI Online Retail: C invoices refund the customer’s latest earlier order holding the SKU, blank customers are guests', async () => {
    const ws = await testWorkspace(h.db, { currency: 'GBP', timezone: 'Europe/London', defaultCountry: 'GB' });
    const summary = await run(ws, { file: fixture('orders-uci.csv'), mapping: uciMapping, refundPrefix: 'C' });
    expect(summary).toMatchObject({ rowsRead: 9, inserted: 5, refundsApplied: 2, rejected: 1 });
    const orders = await ordersOf(ws);
    expect(orders.map((o) => [o.external_id, o.total_minor, o.refunded_minor, o.status, o.currency])).toEqual([
      ['536365', 1530 + 2034, 678, 'partially_refunded', 'GBP'],
      ['536366', 1110, 0, 'completed', 'GBP'],
      ['536380', 3480, 0, 'completed', 'GBP'],
      ['536390', 850, 0, 'completed', 'GBP'],
      ['536391', 1740, 290, 'partially_refunded', 'GBP'],
    ]);
    expect(orders[0]!.ordered_at.toISOString()).toBe('2010-12-01T08:26:00.000Z');
    expect(orders[3]!.customer_id).toBeNull();
    const rejects = readRejects(summary.rejectsPath!);
    expect(rejects[1]!.slice(0, 3)).toEqual(['5', 'CustomerID', 'refund C536379/5: the customer has no earlier order to refund']);
    const customer = await h.db
      .selectFrom('customers')
      .innerJoin('identities', (j) => j.onRef('identities.workspace_id', '=', 'customers.workspace_id').onRef('identities.customer_id', '=', 'customers.id'))
      .select(['customers.country'])
      .where('customers.workspace_id', '=', ws.id)
      .where('identities.value', '=', '17850')
      .executeTakeFirstOrThrow();
    expect(customer.country).toBe('United Kingdom');
    // The customer rejected with the refund was not left behind.
    expect(await h.db.selectFrom('identities').select('value').where('workspace_id', '=', ws.id).where('value', '=', '14527').execute()).toEqual([]);

    const again = await run(ws, { file: fixture('orders-uci.csv'), mapping: uciMapping, refundPrefix: 'C' });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 5, refundsApplied: 0, refundDuplicates: 2, rejected: 1 });
    expect(await ordersOf(ws)).toEqual(orders);
  });

  it('in strict mode stops at a refund the database refuses, rolling back its batch', async () => {
    const ws = await testWorkspace(h.db, { currency: 'GBP', timezone: 'Europe/London' });
    const summary = await run(ws, { file: fixture('orders-uci.csv'), mapping: uciMapping, refundPrefix: 'C', strict: true });
    expect(summary).toMatchObject({ result: 'stopped', inserted: 0, rejected: 1 });
    expect(await count(ws, 'orders')).toBe(0);
    expect(await count(ws, 'customers')).toBe(0);
  });

  it('folds lines of one order that are not together in the file, across batches, and re-importing leaves the same orders', async () => {
    const ws = await testWorkspace(h.db);
    const mapping = [
      { source: 'order_no', target: 'order_number' },
      { source: 'created', target: 'ordered_at' },
      { source: 'customer_id', target: 'customer.external_id' },
      { source: 'qty', target: 'quantity' },
    ];
    const first = await run(ws, { file: fixture('orders-unsorted.csv'), mapping, batchSize: 2 });
    expect(first).toMatchObject({ rowsRead: 6, rejected: 0 });
    const orders = await ordersOf(ws);
    expect(orders.map((o) => [o.external_id, o.total_minor, o.item_count])).toEqual([
      ['U1', 1000 + 2000 + 1650, 5],
      ['U2', 1000 + 550, 2],
      ['U3', 4000, 2],
    ]);
    expect((await itemsOf(ws, 'U1')).map((i) => i.sku)).toEqual(['S1', 'S2', 'S3']);
    await run(ws, { file: fixture('orders-unsorted.csv'), mapping, batchSize: 2 });
    expect(await ordersOf(ws)).toEqual(orders);
    expect((await itemsOf(ws, 'U1')).map((i) => i.sku)).toEqual(['S1', 'S2', 'S3']);
    // In one batch, the lines fold in memory and nothing changes.
    expect(await run(ws, { file: fixture('orders-unsorted.csv'), mapping })).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
  });

  it('reads Excel files: date cells, numbers and text', async () => {
    const ws = await testWorkspace(h.db);
    const file = join(dir, 'orders.xlsx');
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Orders');
    sheet.addRow(['订单号', '下单时间', '会员号', '商品编码', '数量', '金额']);
    // Excel stores the wall time; exceljs hands it back as a UTC date.
    sheet.addRow([10001, new Date(Date.UTC(2025, 2, 1, 10, 15)), 'M001', 'TEA-1', 2, 256]);
    sheet.addRow([10001, new Date(Date.UTC(2025, 2, 1, 10, 15)), 'M001', 'CUP-2', 1, 22.200000000000003]);
    sheet.addRow([10002, 45719.5, 'M002', 'TEA-1', 1, '128.00']);
    sheet.addRow([10003, 'yesterday', 'M002', 'TEA-1', 1, 128]);
    sheet.getColumn(2).numFmt = 'yyyy-mm-dd hh:mm';
    await book.xlsx.writeFile(file);
    const mapping = [
      { source: '订单号', target: 'order_number' },
      { source: '下单时间', target: 'ordered_at' },
      { source: '会员号', target: 'customer.external_id' },
      { source: '商品编码', target: 'sku' },
      { source: '数量', target: 'quantity' },
      { source: '金额', target: 'amount' },
    ];
    const summary = await run(ws, { file, mapping });
    expect(summary).toMatchObject({ format: 'xlsx', rowsRead: 4, inserted: 2, rejected: 1 });
    const orders = await ordersOf(ws);
    expect(orders.map((o) => [o.external_id, o.total_minor, o.ordered_at.toISOString()])).toEqual([
      ['10001', 25600 + 2220, '2025-03-01T02:15:00.000Z'],
      // Excel serial day 45719.5 is 2025-03-03 12:00 local time.
      ['10002', 12800, '2025-03-03T04:00:00.000Z'],
    ]);
    expect(readRejects(summary.rejectsPath!)[1]!.slice(0, 2)).toEqual(['5', '下单时间']);
    expect(await run(ws, { file, mapping })).toMatchObject({ inserted: 0, unchanged: 2 });
  });

  it('derives order numbers from customer and date when the file has none (CDNOW: 2,357 customers, one order per purchase day)', async () => {
    const ws = await testWorkspace(h.db, { currency: 'USD' });
    const mapping = [
      { source: 'customer_id', target: 'customer.external_id' },
      { source: 'order_date', target: 'ordered_at' },
    ];
    const lines = readFileSync(cdnowSample, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const days = new Set(lines.map(([customer, , date]) => `${customer}@${date}`));
    const centsByDay = new Map<string, number>();
    for (const [customer, , date, , amount] of lines) centsByDay.set(`${customer}@${date}`, (centsByDay.get(`${customer}@${date}`) ?? 0) + Math.round(Number(amount) * 100));
    const cents = [...centsByDay.values()].reduce((a, b) => a + b, 0);
    // customer_stats counts purchase days with something paid: CDNOW has a few days of $0 only.
    const paidDays = [...centsByDay.values()].filter((c) => c > 0).length;

    const summary = await run(ws, { file: cdnowSample, mapping });
    expect(summary).toMatchObject({ rowsRead: lines.length, inserted: days.size, rejected: 0 });
    expect(days.size).toBe(6696);
    expect(await count(ws, 'customers')).toBe(2357);
    expect(await count(ws, 'orders')).toBe(days.size);
    expect(await count(ws, 'order_items')).toBe(lines.length);
    const totals = await h.db
      .selectFrom('customer_stats')
      .select((eb) => [eb.fn.sum<number>('total_minor').as('total'), eb.fn.sum<number>('order_days').as('days')])
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(Number(totals.total)).toBe(cents);
    expect(Number(totals.days)).toBe(paidDays);
    const first = await h.db.selectFrom('orders').select(['external_id', 'total_minor']).where('workspace_id', '=', ws.id).where('external_id', '=', '1@1997-01-01').executeTakeFirstOrThrow();
    expect(first.total_minor).toBe(2933);

    expect(await run(ws, { file: cdnowSample, mapping })).toMatchObject({ inserted: 0, updated: 0, unchanged: days.size, rejected: 0 });
  });

  it('rejects a line that names another customer than its order', async () => {
    const ws = await testWorkspace(h.db);
    const file = join(dir, 'two-buyers.csv');
    writeFileSync(file, 'order_no,created,customer_email,qty,price\nD1,2025-06-01,a@example.com,1,10\nD1,2025-06-01,,1,5\nD1,2025-06-01,b@example.com,1,20\n');
    const summary = await run(ws, { file, mapping: shopMapping.filter((m) => m.source !== 'product') });
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 });
    expect((await ordersOf(ws)).map((o) => [o.external_id, o.total_minor])).toEqual([['D1', 1500]]);
    expect(readRejects(summary.rejectsPath!)[1]!.slice(0, 3)).toEqual(['4', 'customer_email', 'order D1 belongs to email:a@example.com (line 2); this line names email:b@example.com']);
  });

  it('reads YYYYMMDD and forced date formats, and amounts with currency symbols', async () => {
    const ws = await testWorkspace(h.db, { currency: 'USD', timezone: 'UTC' });
    const file = join(dir, 'compact.csv');
    writeFileSync(file, 'customer,date,amount\nc1,19970101,"$1,234.50"\nc2,19970231,5\n');
    const mapping = [
      { source: 'customer', target: 'customer.external_id' },
      { source: 'date', target: 'ordered_at' },
    ];
    const summary = await run(ws, { file, mapping });
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 });
    expect((await ordersOf(ws)).map((o) => [o.external_id, o.total_minor, o.ordered_at.toISOString()])).toEqual([['c1@1997-01-01', 123450, '1997-01-01T00:00:00.000Z']]);

    const dayFirst = join(dir, 'day-first.csv');
    writeFileSync(dayFirst, 'customer,date,amount\nc3,13/02/2025 9:05,10\n');
    expect(await run(ws, { file: dayFirst, mapping })).toMatchObject({ inserted: 0, rejected: 1 });
    expect(await run(ws, { file: dayFirst, mapping, dateFormat: 'D/M/YYYY H:mm', timezone: 'Asia/Shanghai' })).toMatchObject({ inserted: 1, rejected: 0 });
    const order = await h.db.selectFrom('orders').select('ordered_at').where('workspace_id', '=', ws.id).where('external_id', '=', 'c3@2025-02-13T09:05:00').executeTakeFirstOrThrow();
    expect(order.ordered_at.toISOString()).toBe('2025-02-13T01:05:00.000Z');
  });
});
