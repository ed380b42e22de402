import type { Locale } from 'antd/es/locale/index.js';
import enUSModule from 'antd/es/locale/en_US.js';
import zhCNModule from 'antd/es/locale/zh_CN.js';
import type { Language } from './languages.ts';

// antd's locale files are typed as CommonJS, so TypeScript (NodeNext) sees the module where Vite
// hands over its default export; accept both shapes.
const unwrap = (module: unknown): Locale => {
  const value = module as { default?: Locale } & Locale;
  return value.default ?? value;
};

const antdLocales: Readonly<Record<Language, Locale>> = { 'zh-CN': unwrap(zhCNModule), en: unwrap(enUSModule) };

/** Ant Design's own texts (pagination, empty states, date pickers) in the console language. */
export function antdLocaleOf(language: Language): Locale {
  return antdLocales[language];
}
