import { Card, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { formatMoney } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import type { Program, Tier } from './loyalty-api.ts';

/** The tiers lowest first with their thresholds and benefits, and the rules for moving up and down in words. */
export function TiersPanel({ program }: { program: Program }) {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const tiers = program.rules.tiers;
  const threshold = (value: number) => (tiers.metric === 'spend' ? formatMoney(value, workspace.currency, locale) : t('loyalty.pointsCount', { formatted: formatCount(value, locale) }));
  const window = tiers.window.kind === 'rolling' ? t('loyalty.tiers.windowRolling', { months: tiers.window.months }) : t('loyalty.tiers.windowYear');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small" title={t('loyalty.tiers.rulesTitle')} data-testid="loyalty-tier-rules">
        <Typography.Paragraph style={{ margin: 0 }}>{t(tiers.metric === 'spend' ? 'loyalty.tiers.metricSpend' : 'loyalty.tiers.metricPoints', { window })}</Typography.Paragraph>
        <Typography.Paragraph style={{ margin: 0 }}>{t('loyalty.tiers.upgrade')}</Typography.Paragraph>
        <Typography.Paragraph style={{ margin: 0 }}>{t('loyalty.tiers.downgrade', { days: tiers.graceDays })}</Typography.Paragraph>
      </Card>
      <Card size="small" title={t('loyalty.tiers.title')} styles={{ body: { padding: 0 } }}>
        <Table<Tier>
          rowKey="code"
          size="middle"
          pagination={false}
          dataSource={[...tiers.levels]}
          data-testid="loyalty-tiers"
          locale={{ emptyText: t('loyalty.tiers.empty') }}
          columns={[
            { key: 'name', title: t('loyalty.tiers.tier'), render: (_, l) => <Typography.Text strong>{l.name}</Typography.Text> },
            { key: 'threshold', title: t('loyalty.tiers.threshold'), align: 'right', render: (_, l) => threshold(l.threshold) },
            { key: 'multiplier', title: t('loyalty.tiers.multiplier'), align: 'right', render: (_, l) => `×${l.multiplier}` },
            {
              key: 'benefits',
              title: t('loyalty.tiers.benefits'),
              render: (_, l) => {
                const b = l.benefits;
                const tags = [
                  b.freeShipping ? t('loyalty.tiers.freeShipping') : null,
                  b.priorityService ? t('loyalty.tiers.priorityService') : null,
                  b.birthdayGift ? t('loyalty.tiers.birthdayGift', { gift: b.birthdayGift }) : null,
                  b.exclusiveCouponTemplateIds.length > 0 ? t('loyalty.tiers.exclusiveCoupons', { ids: b.exclusiveCouponTemplateIds.join(', ') }) : null,
                ].filter((x): x is string => x !== null);
                return tags.length === 0 ? (
                  <Typography.Text type="secondary">{t('loyalty.none')}</Typography.Text>
                ) : (
                  tags.map((x) => (
                    <Tag key={x} bordered={false} color="gold">
                      {x}
                    </Tag>
                  ))
                );
              },
            },
          ]}
        />
      </Card>
      <Typography.Text type="secondary">{t('loyalty.tiers.howToEdit')}</Typography.Text>
    </Space>
  );
}
