import { CheckCircleFilled, CloseCircleFilled } from '@ant-design/icons';
import { Alert, Drawer, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../../api/api-context.tsx';
import { whyCustomer, type RuleJson, type WhyNode } from '../../api/segments-api.ts';
import { useRequest } from '../../api/use-request.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { AppLink } from '../../components/app-link.tsx';
import { customerPath } from '../../routing/routes.ts';
import { conditionSummary, observedText } from './condition-text.ts';
import './segments.css';

/** Which conditions of a rule hold for one customer, as a tree with the value each condition saw. */
export function WhyTree({ node }: { node: WhyNode }) {
  const { t } = useTranslation();
  const mark = node.holds ? (
    <CheckCircleFilled className="patron-why-holds" aria-label={t('segments.why.holds')} />
  ) : (
    <CloseCircleFilled className="patron-why-fails" aria-label={t('segments.why.fails')} />
  );
  const title = node.group
    ? node.segment
      ? t('segments.why.segmentGroup', { name: node.segment.name, match: t(`segments.builder.match.${node.group}`) })
      : t(`segments.builder.match.${node.group}`)
    : conditionSummary(node.condition ?? {}, t);
  return (
    <li data-testid="why-node" data-holds={node.holds}>
      <div className="patron-why-node">
        {mark}
        <span>
          <Typography.Text strong={Boolean(node.group)}>{title}</Typography.Text>
          {node.condition ? <span className="patron-why-observed"> · {t('segments.why.observed', { value: observedText(node.observed, t) })}</span> : null}
        </span>
      </div>
      {node.children && node.children.length > 0 ? (
        <ul className="patron-why-tree">
          {node.children.map((c) => (
            <WhyTree key={c.path} node={c} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The "why is this customer in or out" drawer, for a rule being edited or a saved segment. */
export function WhyDrawer(props: { customerId: number | undefined; rule?: RuleJson; segmentId?: number; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { customerId, rule, segmentId } = props;
  const key = customerId === undefined ? '' : `why|${customerId}|${segmentId ?? ''}|${rule ? JSON.stringify(rule) : ''}`;
  const why = useRequest(key, () =>
    customerId === undefined ? Promise.resolve(undefined) : whyCustomer(client, segmentId !== undefined ? { customerId, segmentId } : { customerId, rule: rule! }),
  );
  return (
    <Drawer open={customerId !== undefined} onClose={props.onClose} width={560} title={t('segments.why.title', { id: customerId ?? '' })} destroyOnHidden>
      {why.error ? <ErrorAlert error={why.error} title={t('segments.why.failed')} onRetry={why.reload} /> : null}
      {why.loading && !why.error ? <Skeleton active /> : null}
      {why.data && !why.loading ? (
        <>
          <Alert
            type={why.data.holds ? 'success' : 'warning'}
            showIcon
            message={why.data.holds ? t('segments.why.isMember') : t('segments.why.isNotMember')}
            style={{ marginBottom: 16 }}
            data-testid="why-verdict"
          />
          <ul className="patron-why-tree" data-testid="why-tree">
            <WhyTree node={why.data} />
          </ul>
          {customerId !== undefined ? (
            <p style={{ marginTop: 16 }}>
              <AppLink href={customerPath(customerId)}>{t('segments.why.openCustomer')}</AppLink>
            </p>
          ) : null}
        </>
      ) : null}
    </Drawer>
  );
}
