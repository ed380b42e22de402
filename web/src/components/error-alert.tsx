import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/describe-error.ts';

/** An API failure in plain words, shown where the failed action is, with a retry when one makes sense. */
export function ErrorAlert({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const { t } = useTranslation();
  const described = describeError(error, t);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={title ? `${title}: ${described.title}` : described.title}
      description={described.detail}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
