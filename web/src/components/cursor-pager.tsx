import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

const pageSizes = [20, 50, 100];

/** Previous / next paging over a cursor-paginated list, with the page size. */
export function CursorPager(props: {
  page: number;
  hasNext: boolean;
  pageSize: number;
  loading: boolean;
  onPrevious: () => void;
  onNext: () => void;
  onPageSize: (size: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('customers.page', { page: props.page })} className="patron-pager">
      <Space size="middle" wrap>
        <Button icon={<LeftOutlined />} disabled={props.page <= 1 || props.loading} onClick={props.onPrevious}>
          {t('customers.previousPage')}
        </Button>
        <Typography.Text aria-live="polite">{t('customers.page', { page: props.page })}</Typography.Text>
        <Button disabled={!props.hasNext || props.loading} onClick={props.onNext}>
          {t('customers.nextPage')} <RightOutlined />
        </Button>
      </Space>
      <Space>
        <label htmlFor="customers-page-size">{t('customers.pageSize')}</label>
        <Select
          id="customers-page-size"
          value={props.pageSize}
          style={{ width: 120 }}
          options={pageSizes.map((size) => ({ value: size, label: t('customers.pageSizeOption', { size }) }))}
          onChange={props.onPageSize}
        />
      </Space>
    </nav>
  );
}
