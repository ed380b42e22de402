import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json' with { type: 'json' };
import zhCN from './zh-CN.json' with { type: 'json' };
import { detectLanguage, languages, type Language } from './languages.ts';

const storageKey = 'patron.language';

function rememberedLanguage(): string | null {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return null; // storage disabled (private mode): fall back to the browser language
  }
}

/** Starts i18next with both languages bundled (they are small), in the remembered or browser language. */
export async function setupI18n(): Promise<void> {
  const language = detectLanguage(rememberedLanguage(), navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: language,
    supportedLngs: [...languages],
    fallbackLng: 'en',
    // React escapes text itself.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = language;
}

/** Switches the console language and remembers it for the next visit. */
export async function changeLanguage(language: Language): Promise<void> {
  try {
    window.localStorage.setItem(storageKey, language);
  } catch {
    // not remembered, but still switched
  }
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}
