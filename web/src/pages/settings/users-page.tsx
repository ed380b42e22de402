import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../../src/access/index.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { describeError } from '../../api/describe-error.ts';
import { useRequest } from '../../api/use-request.ts';
import { addUser, changeUser, fetchUsers, type UserRow } from '../../auth/session-api.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from './format-date-time.ts';

const roleOptions: readonly Role[] = ['owner', 'admin', 'operator', 'analyst', 'viewer'];

/** Users and roles: who can sign in to this workspace and what each may do. */
export function UsersPage() {
  const { t, i18n } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const users = useRequest('users', () => fetchUsers(client));
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ email: string; name: string; password: string; role: Role }>();

  const change = async (user: UserRow, body: { role?: Role; disabled?: boolean }) => {
    try {
      await changeUser(client, user.id, body);
      message.success(t('users.saved'));
      users.reload();
    } catch (error) {
      const d = describeError(error, t);
      message.error(d.detail ? `${d.title}: ${d.detail}` : d.title);
    }
  };
  const submit = async (values: { email: string; name: string; password: string; role: Role }) => {
    try {
      await addUser(client, values);
      setAdding(false);
      form.resetFields();
      users.reload();
    } catch (error) {
      const d = describeError(error, t);
      form.setFields([{ name: 'email', errors: [d.detail ?? d.title] }]);
    }
  };

  const roleOptionsView = roleOptions.map((r) => ({ value: r, label: t(`roles.${r}`) }));
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('users.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)}>
          {t('users.add')}
        </Button>
      </Space>
      <Typography.Paragraph type="secondary">{t('users.intro')}</Typography.Paragraph>
      {users.error ? <ErrorAlert error={users.error} onRetry={users.reload} /> : null}
      <Table<UserRow>
        rowKey="id"
        loading={users.loading}
        dataSource={users.data?.users ?? []}
        pagination={false}
        columns={[
          { title: t('users.email'), dataIndex: 'email' },
          { title: t('users.name'), dataIndex: 'name' },
          {
            title: t('users.role'),
            dataIndex: 'role',
            render: (role: Role, user) => (
              <Select aria-label={t('users.roleOf', { email: user.email })} value={role} options={roleOptionsView} style={{ width: 140 }} onChange={(next) => void change(user, { role: next })} />
            ),
          },
          {
            title: t('users.active'),
            dataIndex: 'disabled',
            render: (disabled: boolean, user) => <Switch aria-label={t('users.activeOf', { email: user.email })} checked={!disabled} onChange={(on) => void change(user, { disabled: !on })} />,
          },
          { title: t('users.lastLogin'), dataIndex: 'lastLoginAt', render: (at: string | null) => (at ? formatDateTime(at, i18n.language) : <Tag>{t('users.never')}</Tag>) },
        ]}
      />
      <Modal title={t('users.add')} open={adding} onCancel={() => setAdding(false)} onOk={() => form.submit()} okText={t('users.create')} destroyOnHidden>
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} initialValues={{ role: 'viewer' }}>
          <Form.Item label={t('users.email')} name="email" rules={[{ required: true, type: 'email', message: t('signIn.emailRequired') }]}>
            <Input type="email" autoComplete="off" />
          </Form.Item>
          <Form.Item label={t('users.name')} name="name" rules={[{ required: true, whitespace: true, message: t('setup.required') }]}>
            <Input />
          </Form.Item>
          <Form.Item label={t('users.role')} name="role">
            <Select options={roleOptionsView} />
          </Form.Item>
          <Form.Item label={t('users.initialPassword')} name="password" extra={t('setup.passwordHelp')} rules={[{ required: true, min: 8, message: t('setup.passwordHelp') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
