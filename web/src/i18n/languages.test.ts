import { describe, expect, it } from 'vitest';
import { detectLanguage, intlLocaleOf } from './languages.ts';

describe('detectLanguage', () => {
  it('prefers the remembered choice', () => {
    expect(detectLanguage('en', ['zh-CN'])).toBe('en');
    expect(detectLanguage('zh-CN', ['en-US'])).toBe('zh-CN');
  });

  it('otherwise follows the first browser language it speaks', () => {
    expect(detectLanguage(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(detectLanguage(null, ['fr-FR', 'en-GB', 'zh'])).toBe('en');
    expect(detectLanguage('klingon', ['ZH-hans-CN'])).toBe('zh-CN');
  });

  it('falls back to English', () => {
    expect(detectLanguage(undefined, [])).toBe('en');
    expect(detectLanguage(null, ['de'])).toBe('en');
  });

  it('maps languages to number and date locales', () => {
    expect(intlLocaleOf('zh-CN')).toBe('zh-CN');
    expect(intlLocaleOf('en')).toBe('en-US');
  });
});
