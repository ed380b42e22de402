import { SearchOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Form, Input, Select, Space, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../api/api-context.tsx';
import { fetchCustomers, fetchTags } from '../api/customers-api.ts';
import { useRequest } from '../api/use-request.ts';
import { useWorkspace } from '../api/workspace-context.tsx';
import { CodeText } from '../components/code-text.tsx';
import { CursorPager } from '../components/cursor-pager.tsx';
import { currentCursor, firstPage, nextPage, pageNumber, previousPage } from '../components/cursor-stack.ts';
import { CustomersTable } from '../components/customers-table.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { customersPath } from '../routing/routes.ts';
import { navigate } from '../routing/use-location.ts';

/** Customers: search by name, email, phone or external id, filter by tag, page through with the server's cursors. */
export function CustomersPage({ q, tag }: { q: string; tag: string | undefined }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const workspace = useWorkspace();
  const [pageSize, setPageSize] = useState(20);
  const [pages, setPages] = useState(firstPage);
  const [searchText, setSearchText] = useState(q);
  const [filtersKey, setFiltersKey] = useState(`${q}|${tag ?? ''}`);

  // New filters (typed, or from back/forward) start again at the first page.
  if (filtersKey !== `${q}|${tag ?? ''}`) {
    setFiltersKey(`${q}|${tag ?? ''}`);
    setPages(firstPage);
    setSearchText(q);
  }

  const cursor = currentCursor(pages);
  const list = useRequest(`${q}|${tag ?? ''}|${pageSize}|${cursor ?? ''}`, () => fetchCustomers(client, { q, tag, limit: pageSize, cursor }));
  const tags = useRequest('tags', () => fetchTags(client));

  const filtered = q !== '' || tag !== undefined;
  const applyFilters = (next: { q?: string; tag?: string }) => navigate(customersPath({ q: next.q?.trim(), tag: next.tag }), { replace: true });

  // No customers at all (not just none matching): say how to bring them in.
  const workspaceEmpty = !filtered && pageNumber(pages) === 1 && !list.loading && !list.error && list.data?.customers.length === 0;
  const noMatch = (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<EmptyText title={t('customers.noMatchTitle')} body={t('customers.noMatchBody')} />}>
      <Button onClick={() => applyFilters({})}>{t('customers.clearFilters')}</Button>
    </Empty>
  );

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('customers.title')}
      </Typography.Title>
      <Card>
        <Form layout="inline" className="patron-filters" onFinish={() => applyFilters({ q: searchText, tag })} role="search">
          <Form.Item label={t('customers.searchLabel')} htmlFor="customer-search">
            <Input
              id="customer-search"
              type="search"
              allowClear
              value={searchText}
              placeholder={t('customers.searchPlaceholder')}
              style={{ width: 300 }}
              onChange={(e) => {
                setSearchText(e.target.value);
                // Clearing the box (its × button) shows everyone again at once.
                if (e.target.value === '' && q !== '') applyFilters({ tag });
              }}
            />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {t('customers.searchButton')}
            </Button>
          </Form.Item>
          <Form.Item label={t('customers.tagLabel')} htmlFor="customer-tag">
            <Select
              id="customer-tag"
              allowClear
              showSearch
              value={tag}
              placeholder={t('customers.tagPlaceholder')}
              style={{ width: 200 }}
              loading={tags.loading}
              options={(tags.data ?? []).map((x) => ({ value: x.name, label: t('customers.tagOption', { name: x.name, count: x.customers }) }))}
              onChange={(value: string | undefined) => applyFilters({ q, tag: value })}
            />
          </Form.Item>
          {filtered ? (
            <Form.Item>
              <Button type="link" onClick={() => applyFilters({})}>
                {t('customers.clearFilters')}
              </Button>
            </Form.Item>
          ) : null}
        </Form>
        {tags.error ? <ErrorAlert error={tags.error} title={t('customers.tagLabel')} onRetry={tags.reload} /> : null}
      </Card>
      {workspaceEmpty ? (
        <Card>
          <Empty image={Empty.PRESENTED_IMAGE_DEFAULT} description={<EmptyText title={t('customers.emptyTitle')} body={<CodeText i18nKey="customers.emptyBody" />} />} />
        </Card>
      ) : (
        <Card styles={{ body: { padding: 0 } }}>
          {list.error ? (
            <div style={{ padding: 16 }}>
              <ErrorAlert error={list.error} onRetry={list.reload} />
            </div>
          ) : null}
          <CustomersTable customers={list.error ? [] : (list.data?.customers ?? [])} currency={workspace.currency} loading={list.loading} empty={list.error || list.loading ? <span /> : noMatch} />
          {pageNumber(pages) > 1 || list.data?.nextCursor ? (
            <CursorPager
              page={pageNumber(pages)}
              hasNext={!list.error && Boolean(list.data?.nextCursor)}
              pageSize={pageSize}
              loading={list.loading}
              onPrevious={() => setPages(previousPage(pages))}
              onNext={() => setPages(nextPage(pages, list.data?.nextCursor ?? null))}
              onPageSize={(size) => {
                setPageSize(size);
                setPages(firstPage);
              }}
            />
          ) : null}
        </Card>
      )}
    </Space>
  );
}

function EmptyText({ title, body }: { title: string; body: ReactNode }) {
  return (
    <span className="patron-empty">
      <Typography.Text strong>{title}</Typography.Text>
      <Typography.Text type="secondary">{body}</Typography.Text>
    </span>
  );
}
