import { InfoCircleOutlined } from '@ant-design/icons';
import { Card, Empty, Skeleton, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { ErrorAlert } from '../error-alert.tsx';
import './charts.css';

/**
 * A titled card for one chart: a skeleton while loading, the error in plain words with a retry, an
 * empty state that says what to do, or the chart. `help` explains what the chart shows.
 */
export function ChartCard(props: {
  title: string;
  help?: string;
  extra?: ReactNode;
  loading: boolean;
  error?: unknown;
  onRetry?: () => void;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: ReactNode;
  height: number;
  testId: string;
  children?: ReactNode;
}) {
  const { title, help, extra, loading, error, onRetry, empty, height, testId, children } = props;
  let body: ReactNode;
  if (error) body = <ErrorAlert error={error} title={title} onRetry={onRetry} />;
  else if (loading) body = <Skeleton active paragraph={{ rows: Math.max(3, Math.round(height / 48)) }} title={false} />;
  else if (empty) body = <div style={{ minHeight: height, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>{empty}</div>;
  else body = children;
  return (
    <Card
      data-testid={testId}
      className="patron-chart-card"
      title={
        <span className="patron-chart-title">
          {title}
          {help ? (
            <Tooltip title={help}>
              <InfoCircleOutlined className="patron-chart-help" aria-label={help} tabIndex={0} />
            </Tooltip>
          ) : null}
        </span>
      }
      extra={extra}
      styles={{ body: { padding: '12px 16px 16px' } }}
    >
      {body}
    </Card>
  );
}

/** A short empty state inside a chart card: what is missing and what to do about it. */
export function ChartEmpty({ title, body }: { title: string; body?: ReactNode }) {
  return (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={
        <span className="patron-empty">
          <Typography.Text strong>{title}</Typography.Text>
          {body ? <Typography.Text type="secondary">{body}</Typography.Text> : null}
        </span>
      }
    />
  );
}
