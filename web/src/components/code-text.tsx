import { Trans } from 'react-i18next';

/** A translated sentence whose `<code>` parts (commands, endpoints) are shown as code. */
export function CodeText({ i18nKey, values }: { i18nKey: string; values?: Record<string, unknown> }) {
  return <Trans i18nKey={i18nKey} values={values} components={{ code: <code className="patron-code" /> }} />;
}
