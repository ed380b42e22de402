import { Skeleton, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { useRequest } from '../../api/use-request.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { CouponsPanel } from './coupons-panel.tsx';
import { fetchProgram } from './loyalty-api.ts';
import { ProgramPanel } from './program-panel.tsx';
import { TiersPanel } from './tiers-panel.tsx';

/** Loyalty (会员): the program's rules, its tiers and benefits, and the coupon templates. */
export function LoyaltyPage() {
  const { t } = useTranslation();
  const client = useApiClient();
  const program = useRequest('loyalty-program', () => fetchProgram(client));
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('loyalty.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('loyalty.intro')}
      </Typography.Paragraph>
      {program.error ? <ErrorAlert error={program.error} onRetry={program.reload} /> : null}
      {program.data === undefined && !program.error ? <Skeleton active /> : null}
      {program.data !== undefined ? (
        <Tabs
          items={[
            { key: 'program', label: t('loyalty.tabs.program'), children: <ProgramPanel program={program.data} onSaved={program.reload} /> },
            ...(program.data ? [{ key: 'tiers', label: t('loyalty.tabs.tiers'), children: <TiersPanel program={program.data} /> }] : []),
            { key: 'coupons', label: t('loyalty.tabs.coupons'), children: <CouponsPanel /> },
          ]}
        />
      ) : null}
    </Space>
  );
}
