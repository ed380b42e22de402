import { describe, expect, it } from 'vitest';
import { customerPath, customersPath, parseRoute } from './routes.ts';

describe('routes', () => {
  it('reads the page from the path', () => {
    expect(parseRoute('/')).toEqual({ kind: 'customers' });
    expect(parseRoute('/customers')).toEqual({ kind: 'customers' });
    expect(parseRoute('/customers/')).toEqual({ kind: 'customers' });
    expect(parseRoute('/customers/42')).toEqual({ kind: 'customer', id: 42 });
    expect(parseRoute('/customers/abc')).toEqual({ kind: 'not_found' });
    // Pages for capabilities that have not landed do not exist yet.
    expect(parseRoute('/segments')).toEqual({ kind: 'not_found' });
  });

  it('writes paths with the list filters', () => {
    expect(customerPath(7)).toBe('/customers/7');
    expect(customersPath()).toBe('/customers');
    expect(customersPath({ q: '张伟', tag: 'VIP' })).toBe('/customers?q=%E5%BC%A0%E4%BC%9F&tag=VIP');
    expect(parseRoute(new URL(customersPath({ q: 'a b' }), 'http://x').pathname)).toEqual({ kind: 'customers' });
  });
});
