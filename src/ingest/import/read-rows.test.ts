import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRowSource, type ReadOptions, type SourceRow } from './read-rows.ts';

const dir = mkdtempSync(join(tmpdir(), 'patron-read-'));

async function read(name: string, content: string | Buffer, options: ReadOptions = {}) {
  const file = join(dir, name);
  writeFileSync(file, content);
  const source = await openRowSource(file, options);
  const rows: SourceRow[] = [];
  for await (const chunk of source.chunks()) rows.push(...chunk);
  return { columns: source.columns, rows };
}

describe('reading files', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads CSV with a BOM, CRLF, quoted fields across lines and blank lines, numbering rows by the line they start on', async () => {
    const { columns, rows } = await read('a.csv', '\uFEFFid,note\r\n1,"two\r\nlines"\r\n\r\n2,"say ""hi"""\r\n');
    expect(columns).toEqual(['id', 'note']);
    expect(rows.map((r) => [r.line, r.cells])).toEqual([
      [2, ['1', 'two\r\nlines']],
      [5, ['2', 'say "hi"']],
    ]);
  });

  it('detects semicolon and tab delimiters from the header, or takes one given', async () => {
    expect((await read('b.csv', 'a;b\n1;2,5\n')).rows[0]!.cells).toEqual(['1', '2,5']);
    expect((await read('c.tsv', 'a\tb\n1\t2\n')).rows[0]!.cells).toEqual(['1', '2']);
    expect((await read('d.csv', 'a|b,c\n1|2,3\n', { delimiter: ',' })).columns).toEqual(['a|b', 'c']);
  });

  it('decodes GBK files saved by Excel on Chinese Windows', async () => {
    // "姓名,城市\n李雷,上海\n" in GBK.
    const gbk = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xb3, 0xc7, 0xca, 0xd0, 0x0a, 0xc0, 0xee, 0xc0, 0xd7, 0x2c, 0xc9, 0xcf, 0xba, 0xa3, 0x0a]);
    const { columns, rows } = await read('gbk.csv', gbk, { encoding: 'gbk' });
    expect(columns).toEqual(['姓名', '城市']);
    expect(rows[0]!.cells).toEqual(['李雷', '上海']);
  });

  it('reads JSON Lines, reporting lines that are not JSON objects', async () => {
    const { columns, rows } = await read('e.jsonl', '{"a":1}\n\n{"a":\n[1]\n');
    expect(columns).toBeUndefined();
    expect(rows.map((r) => [r.line, r.unreadable ?? r.cells])).toEqual([
      [1, { a: 1 }],
      [3, expect.stringMatching(/^the line is not valid JSON/)],
      [4, 'the line is not a JSON object'],
    ]);
  });

  it('names the format it cannot tell, and a missing file', async () => {
    await expect(read('f.dat', 'x')).rejects.toThrow(/pass --format csv, xlsx or jsonl/);
    await expect(openRowSource(join(dir, 'none.csv'))).rejects.toThrow(/no such file/);
    await expect(read('g.xlsx', 'not a zip file')).rejects.toThrow(/Cannot read .*g\.xlsx as an Excel workbook/);
  });
});
