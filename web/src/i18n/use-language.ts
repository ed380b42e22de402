import { useTranslation } from 'react-i18next';
import { detectLanguage, type Language } from './languages.ts';

/** The current console language, re-rendering when it changes. */
export function useLanguage(): Language {
  const { i18n } = useTranslation();
  return detectLanguage(i18n.resolvedLanguage ?? i18n.language, []);
}
