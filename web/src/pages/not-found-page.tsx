import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { navigate } from '../routing/use-location.ts';

/** Any address without a page (including pages for capabilities that have not landed yet). */
export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Result
      status="404"
      title={t('notFound.title')}
      subTitle={t('notFound.body')}
      extra={
        <Button type="primary" onClick={() => navigate('/customers')}>
          {t('notFound.home')}
        </Button>
      }
    />
  );
}
