import type { FastifyRequest } from 'fastify';
import { PatronError } from '../lib/errors.ts';

// PostgreSQL cannot store a NUL character in text, nor an unpaired UTF-16 surrogate in jsonb (JSON.parse
// accepts both from "\u0000" and "\ud800" escapes): such a value would fail deep inside a statement as a
// 500. Refusing it at the edge names the field instead, for every route at once.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path of the first string (or object key) in a parsed value that PostgreSQL cannot store, if any. */
export function findUnstorableText(value: unknown, root: string): string | undefined {
  // Iterative, so a payload nested thousands of levels deep cannot overflow the stack here.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      if (unstorable.test(item)) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (unstorable.test(key)) return `${path} (a key)`;
        stack.push([child, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/** preValidation hook: refuses a request whose query, path parameters or body hold text PostgreSQL cannot store. */
export async function rejectUnstorableText(request: FastifyRequest): Promise<void> {
  const where = findUnstorableText(request.params, 'params') ?? findUnstorableText(request.query, 'querystring') ?? findUnstorableText(request.body, 'body');
  if (where !== undefined) {
    throw new PatronError('invalid_input', `${where}: text must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates`, { path: where.split(/[.[\]]+/).filter(Boolean) });
  }
}
