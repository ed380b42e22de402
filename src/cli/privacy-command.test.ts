import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPatron } from '../../test/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'patron-cli-privacy-'));
const patron = (...args: string[]) => runPatron(join(dir, 'data'), args);

describe('patron privacy', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports a customer as JSON, refuses to erase without --yes, erases with it, and the customer is gone', async () => {
    const csv = join(dir, 'customers.csv');
    writeFileSync(csv, 'email,phone,name\nlilei@example.com,13800138000,李雷\nhan@example.com,13800138001,韩梅梅\n');
    expect((await patron('import', 'customers', csv, '--workspace', 'shop')).status).toBe(0);
    const out = join(dir, 'export.json');
    const exported = await patron('privacy', 'export', '1', '--workspace', 'shop', '--out', out);
    expect(exported.stderr).toMatch(/^Wrote customer 1 of shop \(1 profile\(s\), 0 orders, 0 events\) to /);
    expect(exported.status).toBe(0);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    expect(data).toMatchObject({ format: 'patron.customer-export.v1', customerId: 1, profiles: [{ name: '李雷' }] });
    expect(data.identities.map((i: { value: string }) => i.value)).toContain('lilei@example.com');

    const unconfirmed = await patron('privacy', 'erase', '1', '--workspace', 'shop');
    expect(unconfirmed.stderr).toMatch(/cannot be undone; add --yes to confirm/);
    expect(unconfirmed.status).toBe(1);
    const erased = await patron('privacy', 'erase', '1', '--workspace', 'shop', '--yes');
    expect(erased.stdout).toMatch(/^Erased customer 1 of shop \(profiles 1\): 2 identities, 1 customers; 0 orders kept on anonymous profile \d+\.\n$/);
    expect(erased.status).toBe(0);
    const again = await patron('privacy', 'export', '1', '--workspace', 'shop');
    expect(again.stderr).toMatch(/Customer 1 does not exist in this workspace/);
    expect(again.status).toBe(1);
    expect((await patron('privacy', 'erase', 'abc', '--yes')).stderr).toMatch(/a customer id is a positive whole number/);
    // Seven CLI runs, each starting tsx and opening the embedded database: slow on a busy machine.
  }, 300_000);
});
