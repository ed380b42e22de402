import { describe, expect, it } from 'vitest';
import { normalizeIdentities, normalizeIdentity } from './identity.ts';

describe('normalizeIdentity', () => {
  it('lower-cases and trims emails', () => {
    expect(normalizeIdentity('email', '  Li.Na@Example.COM ', 'CN')).toEqual({ type: 'email', value: 'li.na@example.com' });
  });

  it('reads phones without a country code in the default country and writes E.164', () => {
    expect(normalizeIdentity('phone', '138 0013 8000', 'CN').value).toBe('+8613800138000');
    expect(normalizeIdentity('phone', '+1 (415) 555-2671', 'CN').value).toBe('+14155552671');
    expect(normalizeIdentity('phone', '(415) 555-2671', 'US').value).toBe('+14155552671');
  });

  it('rejects values that cannot be of the type, naming them', () => {
    expect(() => normalizeIdentity('email', 'not-an-email', 'CN')).toThrow(/"not-an-email" is not an email address/);
    expect(() => normalizeIdentity('phone', '12', 'CN')).toThrow(/"12" is not a phone number/);
    expect(() => normalizeIdentity('external_id', '   ', 'CN')).toThrow(/external_id is empty/);
  });

  it('dedupes and orders identities from the most specific', () => {
    const ids = normalizeIdentities(
      [
        { type: 'anonymous_id', value: 'a1' },
        { type: 'email', value: 'X@y.com' },
        { type: 'email', value: 'x@Y.com' },
        { type: 'external_id', value: 'u1' },
      ],
      'CN',
    );
    expect(ids.map((i) => i.type)).toEqual(['external_id', 'email', 'anonymous_id']);
  });
});
