import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { changeLanguage } from '../i18n/setup-i18n.ts';
import { languageNames, languages, type Language } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/use-language.ts';

/** The language switch in the header: 中文 | English, remembered for the next visit. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <div role="group" aria-label={t('app.language')}>
      <Segmented<Language>
        size="middle"
        value={language}
        options={languages.map((value) => ({ value, label: <span lang={value}>{languageNames[value]}</span> }))}
        onChange={(value) => void changeLanguage(value)}
      />
    </div>
  );
}
