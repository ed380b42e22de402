import { ArrowLeftOutlined, EditOutlined, SendOutlined, StopOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Empty, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { fetchSegments } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { useWorkspace } from '../../api/workspace-context.tsx';
import { AppLink } from '../../components/app-link.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from '../../format/dates.ts';
import { formatMoney } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';
import { intlLocaleOf } from '../../i18n/languages.ts';
import { useLanguage } from '../../i18n/use-language.ts';
import { campaignEditPath, campaignsPath, segmentPath } from '../../routing/routes.ts';
import { navigate } from '../../routing/use-location.ts';
import { orderedArms, significant, upliftScale } from './campaign-model.ts';
import { cancelCampaign, fetchCampaign, fetchCampaignResults, holdoutArm, scheduleCampaign, type ArmResults, type Campaign } from './campaigns-api.ts';
import { statusColors } from './campaigns-list-page.tsx';
import '../journeys/journeys.css';

/** Percentage points with a sign ("+4.0 pp"), for uplifts. */
function points(value: number, locale: string): string {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1, signDisplay: 'exceptZero' }).format(value * 100)} pp`;
}

/** The 95% interval of each variant's uplift on one scale around zero: a bar from low to high, a dot at the estimate. */
function IntervalBar({ arm, scale, locale }: { arm: ArmResults; scale: ReturnType<typeof upliftScale>; locale: string }) {
  const { t } = useTranslation();
  const c = arm.vsHoldout;
  if (!c) return <Typography.Text type="secondary">—</Typography.Text>;
  const [lo, hi] = c.ci95;
  const label = t('campaigns.results.intervalLabel', { variant: arm.variant, low: points(lo, locale), high: points(hi, locale) });
  return (
    <div className="patron-interval" role="img" aria-label={label} title={label} data-testid={`interval-${arm.variant}`}>
      <div className="patron-interval-zero" style={{ left: `${scale.position(0)}%` }} />
      <div className={`patron-interval-bar${significant(c) ? (c.uplift > 0 ? ' patron-interval-up' : ' patron-interval-down') : ''}`} style={{ left: `${scale.position(lo)}%`, width: `${scale.position(hi) - scale.position(lo)}%` }} />
      <div className="patron-interval-dot" style={{ left: `${scale.position(c.uplift)}%` }} />
    </div>
  );
}

function Results({ campaign, onCampaign }: { campaign: Campaign; onCampaign: (c: Campaign) => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const locale = intlLocaleOf(useLanguage());
  const [tick, setTick] = useState(0);
  const sending = campaign.status === 'sending' || campaign.status === 'scheduled';
  useEffect(() => {
    if (!sending) return;
    const timer = setInterval(() => setTick((n) => n + 1), 5_000);
    return () => clearInterval(timer);
  }, [sending]);
  const results = useRequest(`campaign-results|${campaign.id}|${campaign.status}|${tick}`, () => fetchCampaignResults(client, campaign.id));
  // The results carry the campaign: a send that finished while the page was open shows as sent.
  const latest = results.data?.campaign;
  useEffect(() => {
    if (latest && latest.status !== campaign.status) onCampaign(latest);
  }, [latest, campaign.status, onCampaign]);
  const percent = (v: number) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(v);
  const arms = orderedArms(results.data?.arms ?? []);
  const scale = upliftScale(arms);
  const hasHoldout = arms.some((a) => a.variant === holdoutArm);
  const n = (v: number) => formatCount(v, locale);
  return (
    <Card
      title={t('campaigns.results.title')}
      size="small"
      data-testid="campaign-results"
      extra={results.data ? <Typography.Text type="secondary">{t('campaigns.results.attribution', { days: results.data.attribution.days, goal: results.data.attribution.goal === 'any order' ? t('campaigns.results.anyOrder') : results.data.attribution.goal })}</Typography.Text> : null}
    >
      {results.error ? <ErrorAlert error={results.error} onRetry={results.reload} /> : null}
      {results.loading && !results.data ? <Skeleton active /> : null}
      {results.data && arms.length === 0 ? <Empty description={campaign.status === 'draft' ? t('campaigns.results.notSent') : t('campaigns.results.noRecipients')} /> : null}
      {arms.length > 0 ? (
        <>
          <Table<ArmResults>
            rowKey="variant"
            size="small"
            pagination={false}
            dataSource={arms}
            scroll={{ x: true }}
            data-testid="campaign-arms"
            columns={[
              { key: 'variant', title: t('campaigns.results.arm'), fixed: 'left', render: (_, a) => (a.variant === holdoutArm ? <Tag>{t('campaigns.results.holdout')}</Tag> : <Typography.Text strong>{a.variant}</Typography.Text>) },
              { key: 'recipients', title: t('campaigns.results.recipients'), align: 'right', render: (_, a) => n(a.recipients) },
              { key: 'sent', title: t('campaigns.results.sent'), align: 'right', render: (_, a) => n(a.sent) },
              { key: 'delivered', title: t('campaigns.results.delivered'), align: 'right', render: (_, a) => n(a.delivered) },
              { key: 'failed', title: t('campaigns.results.failed'), align: 'right', render: (_, a) => n(a.failed) },
              { key: 'suppressed', title: t('campaigns.results.suppressed'), align: 'right', render: (_, a) => n(a.suppressed) },
              { key: 'opened', title: t('campaigns.results.opened'), align: 'right', render: (_, a) => n(a.opened) },
              { key: 'clicked', title: t('campaigns.results.clicked'), align: 'right', render: (_, a) => n(a.clicked) },
              { key: 'converted', title: t('campaigns.results.converted'), align: 'right', render: (_, a) => <span data-testid={`converted-${a.variant}`}>{n(a.converted)}</span> },
              { key: 'rate', title: t('campaigns.results.rate'), align: 'right', render: (_, a) => <span data-testid={`rate-${a.variant}`}>{percent(a.conversionRate)}</span> },
              { key: 'revenue', title: t('campaigns.results.revenue'), align: 'right', render: (_, a) => formatMoney(a.revenueMinor, workspace.currency, locale) },
              {
                key: 'uplift',
                title: t('campaigns.results.uplift'),
                align: 'right',
                render: (_, a) =>
                  a.vsHoldout ? (
                    <span data-testid={`uplift-${a.variant}`}>
                      {points(a.vsHoldout.uplift, locale)}
                      {a.vsHoldout.relativeUplift !== null ? <Typography.Text type="secondary"> ({new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' }).format(a.vsHoldout.relativeUplift)})</Typography.Text> : null}
                    </span>
                  ) : (
                    '—'
                  ),
              },
              {
                key: 'ci',
                title: t('campaigns.results.ci95'),
                align: 'right',
                render: (_, a) => (a.vsHoldout ? <span data-testid={`ci-${a.variant}`}>{`[${points(a.vsHoldout.ci95[0], locale)}, ${points(a.vsHoldout.ci95[1], locale)}]`}</span> : '—'),
              },
              {
                key: 'p',
                title: t('campaigns.results.pValue'),
                align: 'right',
                render: (_, a) =>
                  a.vsHoldout ? (
                    <Space size={4}>
                      <span data-testid={`p-${a.variant}`}>{new Intl.NumberFormat(locale, { maximumFractionDigits: 4, minimumFractionDigits: 4 }).format(a.vsHoldout.pValue)}</span>
                      {significant(a.vsHoldout) ? <Tag color="green">{t('campaigns.results.significant')}</Tag> : null}
                    </Space>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
          {hasHoldout && arms.some((a) => a.vsHoldout) ? (
            <div className="patron-intervals" data-testid="campaign-intervals">
              <Typography.Text strong>{t('campaigns.results.intervalsTitle')}</Typography.Text>
              {arms
                .filter((a) => a.variant !== holdoutArm)
                .map((a) => (
                  <div key={a.variant} className="patron-interval-row">
                    <span className="patron-interval-name">{a.variant}</span>
                    <IntervalBar arm={a} scale={scale} locale={locale} />
                  </div>
                ))}
              <div className="patron-interval-row patron-interval-axis" aria-hidden="true">
                <span className="patron-interval-name" />
                <div className="patron-interval-ticks">
                  <span>{points(-scale.max, locale)}</span>
                  <span>0</span>
                  <span>{points(scale.max, locale)}</span>
                </div>
              </div>
            </div>
          ) : null}
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>
            {hasHoldout ? t('campaigns.results.method') : t('campaigns.results.noHoldout')}
          </Typography.Paragraph>
        </>
      ) : null}
    </Card>
  );
}

/** One campaign: what it sends to whom, its schedule (send now, cancel), and its results per variant against the holdout. */
export function CampaignPage({ id }: { id: number }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const locale = intlLocaleOf(useLanguage());
  const loaded = useRequest(`campaign|${id}`, () => fetchCampaign(client, id));
  const segments = useRequest('segments', () => fetchSegments(client));
  const [campaign, setCampaign] = useState<Campaign>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const current = campaign ?? loaded.data;
  const act = async (action: () => Promise<Campaign>, done: string) => {
    setBusy(true);
    setActionError(undefined);
    try {
      setCampaign(await action());
      void message.success(done);
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };
  const segment = segments.data?.find((s) => s.id === current?.segmentId);
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <AppLink href={campaignsPath}>
        <ArrowLeftOutlined aria-hidden="true" /> {t('campaigns.backToList')}
      </AppLink>
      {loaded.error ? <ErrorAlert error={loaded.error} onRetry={loaded.reload} /> : null}
      {!current && !loaded.error ? <Skeleton active /> : null}
      {current ? (
        <>
          <div className="patron-journey-header">
            <Space align="center" wrap>
              <Typography.Title level={2} style={{ margin: 0 }}>
                {current.name}
              </Typography.Title>
              <Tag color={statusColors[current.status]} data-testid="campaign-status">
                {t(`campaigns.statuses.${current.status}`)}
              </Tag>
            </Space>
            <Space wrap>
              {current.status === 'draft' ? (
                <Button icon={<EditOutlined />} href={campaignEditPath(current.id)} onClick={(e) => (e.preventDefault(), navigate(campaignEditPath(current.id)))}>
                  {t('campaigns.edit')}
                </Button>
              ) : null}
              {current.status === 'draft' ? (
                <Button type="primary" icon={<SendOutlined />} loading={busy} onClick={() => void act(() => scheduleCampaign(client, current.id), t('campaigns.scheduledNow'))}>
                  {t('campaigns.composer.sendNow')}
                </Button>
              ) : null}
              {current.status === 'scheduled' ? (
                <Button icon={<StopOutlined />} loading={busy} onClick={() => void act(() => cancelCampaign(client, current.id), t('campaigns.cancelled'))}>
                  {t('campaigns.cancelSchedule')}
                </Button>
              ) : null}
            </Space>
          </div>
          {actionError ? <ErrorAlert error={actionError} title={t('campaigns.actionFailed')} /> : null}
          <Card size="small">
            <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }}>
              <Descriptions.Item label={t('campaigns.columns.audience')}>{segment ? <AppLink href={segmentPath(segment.id)}>{segment.name}</AppLink> : `#${current.segmentId}`}</Descriptions.Item>
              <Descriptions.Item label={t('journeys.fields.channel')}>{t(`journeys.channels.${current.definition.channel}`)}</Descriptions.Item>
              <Descriptions.Item label={t('journeys.fields.purpose')}>{t(`journeys.purposes.${current.definition.purpose}`)}</Descriptions.Item>
              <Descriptions.Item label={t('campaigns.columns.holdout')}>{new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(current.definition.holdoutShare)}</Descriptions.Item>
              <Descriptions.Item label={t('campaigns.composer.attributionDays')}>{current.definition.attributionDays}</Descriptions.Item>
              <Descriptions.Item label={t('campaigns.composer.goalEvent')}>{current.definition.goalEvent ?? t('campaigns.results.anyOrder')}</Descriptions.Item>
              <Descriptions.Item label={t('campaigns.scheduledAt')}>{formatDateTime(current.scheduledAt, locale) || '—'}</Descriptions.Item>
              <Descriptions.Item label={t('campaigns.startedAt')}>{formatDateTime(current.startedAt, locale) || '—'}</Descriptions.Item>
              <Descriptions.Item label={t('campaigns.finishedAt')}>{formatDateTime(current.finishedAt, locale) || '—'}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title={t('campaigns.variants')}>
            <div className="patron-campaign-variants">
              {current.definition.variants.map((v) => (
                <div key={v.name} className="patron-campaign-variant">
                  <Typography.Text strong>
                    {v.name} · {t('campaigns.composer.weight')} {v.weight}
                  </Typography.Text>
                  {v.templateId ? <Typography.Text type="secondary">{t('journeys.stepText.template', { id: v.templateId })}</Typography.Text> : null}
                  {v.content?.subject ? <Typography.Text>{v.content.subject}</Typography.Text> : null}
                  {v.content ? <Typography.Paragraph type="secondary" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{v.content.text}</Typography.Paragraph> : null}
                </div>
              ))}
            </div>
          </Card>
          <Results key={current.status} campaign={current} onCampaign={setCampaign} />
        </>
      ) : null}
    </Space>
  );
}
