import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentsOf } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { importFile } from './index.ts';

describe.each(testStores())('importing consent with customers on $kind', (store) => {
  let h: DatabaseHandle;
  let dir: string;
  beforeAll(async () => {
    h = await store.open();
    dir = mkdtempSync(join(tmpdir(), 'patron-import-consent-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records <channel>_consent columns as marketing consent with consent_at and consent_source, and rejects answers it cannot read', async () => {
    const ws = await testWorkspace(h.db);
    const file = join(dir, 'members.csv');
    writeFileSync(
      file,
      [
        'email,email_consent,sms_consent,consent_at,consent_source',
        'a@example.com,yes,否,2025-03-01 10:00,store sign-up form',
        'b@example.com,no,,,',
        'c@example.com,perhaps,,,',
      ].join('\n'),
    );
    const rejects = join(dir, 'rejects.csv');
    const summary = await importFile(h.db, ws, { kind: 'customers', file, rejectsPath: rejects });
    expect(summary).toMatchObject({ rowsRead: 3, inserted: 2, rejected: 1 });
    expect(readFileSync(rejects, 'utf8')).toMatch(/email_consent.*is not a consent answer/);
    const idOf = async (email: string) =>
      (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', email).executeTakeFirstOrThrow()).customer_id;
    const a = await consentsOf(h.db, ws.id, await idOf('a@example.com'));
    expect(a.map((c) => [c.channel, c.status, c.source])).toEqual([
      ['email', 'opted_in', 'store sign-up form'],
      ['sms', 'opted_out', 'store sign-up form'],
    ]);
    expect(a[0]!.recordedAt.getFullYear()).toBe(2025);
    const b = await consentsOf(h.db, ws.id, await idOf('b@example.com'));
    expect(b.map((c) => [c.channel, c.status, c.source])).toEqual([['email', 'opted_out', 'import']]);
  });
});
