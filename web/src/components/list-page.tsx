import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Space, Table, Typography, type TableColumnsType } from 'antd';
import type { RequestState } from '../api/use-request.ts';
import { navigate } from '../routing/use-location.ts';
import { ErrorAlert } from './error-alert.tsx';

/** The words of a list page, already translated. */
export interface ListPageTexts {
  readonly title: string;
  readonly intro: string;
  /** The create button's label. */
  readonly create: string;
  /** What the empty state says, and what to do next. */
  readonly emptyTitle: string;
  readonly emptyBody: string;
}

/**
 * A page listing what a workspace made (journeys, campaigns): title with a create button, an intro line,
 * the request's error with a retry, and either an empty state that says what to do next or the table.
 */
export function ListPage<T extends { id: number }>({
  texts,
  createPath,
  list,
  columns,
  testId,
}: {
  texts: ListPageTexts;
  createPath: string;
  list: RequestState<readonly T[]>;
  columns: TableColumnsType<T>;
  testId: string;
}) {
  const none = !list.loading && !list.error && list.data?.length === 0;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <div className="patron-journey-header">
        <Typography.Title level={2} style={{ margin: 0 }}>
          {texts.title}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} href={createPath} onClick={(e) => (e.preventDefault(), navigate(createPath))}>
          {texts.create}
        </Button>
      </div>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {texts.intro}
      </Typography.Paragraph>
      {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} /> : null}
      {none ? (
        <Card>
          <Empty
            description={
              <span className="patron-empty">
                <Typography.Text strong>{texts.emptyTitle}</Typography.Text>
                <Typography.Text type="secondary">{texts.emptyBody}</Typography.Text>
              </span>
            }
          >
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(createPath)}>
              {texts.create}
            </Button>
          </Empty>
        </Card>
      ) : (
        <Card styles={{ body: { padding: 0 } }}>
          <Table<T> rowKey="id" size="middle" pagination={false} loading={list.loading} dataSource={list.data ?? []} scroll={{ x: true }} data-testid={testId} columns={columns} />
        </Card>
      )}
    </Space>
  );
}
