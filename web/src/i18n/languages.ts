/** The console's languages: Simplified Chinese and English; the first is the fallback for Chinese browsers. */
export const languages = ['zh-CN', 'en'] as const;
export type Language = (typeof languages)[number];

/** The language names shown in the switch, each in its own language. */
export const languageNames: Readonly<Record<Language, string>> = { 'zh-CN': '中文', en: 'English' };

const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (languages as readonly string[]).includes(value);

/**
 * Picks the console language: the one the user chose before, else the first browser language we
 * speak (any `zh*` reads as Simplified Chinese, any `en*` as English), else English.
 */
export function detectLanguage(remembered: string | null | undefined, browserLanguages: readonly string[]): Language {
  if (isLanguage(remembered)) return remembered;
  for (const tag of browserLanguages) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

/** The BCP 47 locale used for numbers, money and dates in a language. */
export function intlLocaleOf(language: Language): string {
  return language === 'zh-CN' ? 'zh-CN' : 'en-US';
}
