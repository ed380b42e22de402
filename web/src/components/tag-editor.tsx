import { CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../api/api-context.tsx';
import { updateCustomerTags } from '../api/customers-api.ts';
import { describeError } from '../api/describe-error.ts';
import type { CustomerDetail } from '../api/payloads.ts';
import { tagNameProblem } from './tag-name.ts';

/** A customer's tags: remove one with its ×, add one by name; failures show under the field that caused them. */
export function TagEditor({ customerId, tags, onChanged }: { customerId: number; tags: CustomerDetail['tags']; onChanged: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string>();

  const add = async () => {
    const invalid = tagNameProblem(name);
    if (invalid) {
      setProblem(t(`customer.tags.${invalid}`));
      return;
    }
    const tag = name.trim();
    setSaving(true);
    try {
      await updateCustomerTags(client, { customerIds: [customerId], add: [tag] });
      void message.success(t('customer.tags.added', { name: tag }));
      setName('');
      setAdding(false);
      setProblem(undefined);
      onChanged();
    } catch (error) {
      const described = describeError(error, t);
      setProblem(`${t('customer.tags.failed')}: ${described.title}${described.detail ? ` (${described.detail})` : ''}`);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (tag: string) => {
    try {
      await updateCustomerTags(client, { customerIds: [customerId], remove: [tag] });
      void message.success(t('customer.tags.removed', { name: tag }));
      onChanged();
    } catch (error) {
      const described = describeError(error, t);
      setProblem(`${t('customer.tags.failed')}: ${described.title}${described.detail ? ` (${described.detail})` : ''}`);
    }
  };

  return (
    <Card title={t('customer.tags.title')} size="small">
      <div className="patron-tags" aria-live="polite">
        {tags.length === 0 ? <Typography.Text type="secondary">{t('customer.tags.empty')}</Typography.Text> : null}
        {tags.map((tag) => (
          <Tag key={tag.name} color="blue" className="patron-tag">
            {tag.name}
            {/* antd's own close icon cannot be reached with the keyboard; a real button can. */}
            <button type="button" className="patron-tag-remove" aria-label={t('customer.tags.remove', { name: tag.name })} onClick={() => void remove(tag.name)}>
              <CloseOutlined aria-hidden="true" />
            </button>
          </Tag>
        ))}
      </div>
      {adding ? (
        <Form layout="vertical" style={{ marginTop: 12 }} onFinish={() => void add()}>
          <Form.Item label={t('customer.tags.newTagLabel')} htmlFor="new-tag" validateStatus={problem ? 'error' : undefined} help={problem} style={{ marginBottom: 8 }}>
            <Input
              id="new-tag"
              autoFocus
              value={name}
              maxLength={120}
              onChange={(e) => {
                setName(e.target.value);
                setProblem(undefined);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setAdding(false);
              }}
            />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={saving}>
              {t('customer.tags.save')}
            </Button>
            <Button
              onClick={() => {
                setAdding(false);
                setProblem(undefined);
                setName('');
              }}
            >
              {t('customer.tags.cancel')}
            </Button>
          </Space>
        </Form>
      ) : (
        <>
          {problem ? (
            <Typography.Text type="danger" role="alert" style={{ display: 'block', marginTop: 8 }}>
              {problem}
            </Typography.Text>
          ) : null}
          <Button type="dashed" icon={<PlusOutlined />} style={{ marginTop: 12 }} onClick={() => setAdding(true)}>
            {t('customer.tags.add')}
          </Button>
        </>
      )}
    </Card>
  );
}
