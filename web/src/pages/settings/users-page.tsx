import { MailOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../../src/access/index.ts';
import { useApiClient } from '../../api/api-context.tsx';
import { describeError } from '../../api/describe-error.ts';
import { useRequest } from '../../api/use-request.ts';
import { fetchInvitations, inviteUser, resendInvitation, revokeInvitation, type InvitationDelivery, type InvitationRow } from '../../auth/access-api.ts';
import { addUser, changeUser, fetchUsers, type UserRow } from '../../auth/session-api.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { formatDateTime } from './format-date-time.ts';

const roleOptions: readonly Role[] = ['owner', 'admin', 'operator', 'analyst', 'viewer'];
const statusColors: Readonly<Record<InvitationRow['status'], string>> = { pending: 'processing', expired: 'warning', accepted: 'success', revoked: 'default' };

/** Users and roles: who can sign in to this workspace and what each may do. */
export function UsersPage() {
  const { t, i18n } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const users = useRequest('users', () => fetchUsers(client));
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ email: string; name: string; password: string; role: Role }>();
  const invitations = useRequest('invitations', () => fetchInvitations(client));
  const [inviting, setInviting] = useState(false);
  const [inviteForm] = Form.useForm<{ email: string; role: Role }>();
  // The link to pass on by hand when no email could be sent (shown once, like an API key).
  const [handOver, setHandOver] = useState<{ email: string; delivery: InvitationDelivery }>();

  const delivered = (email: string, delivery: InvitationDelivery) => {
    invitations.reload();
    if (delivery.sent) message.success(t('invites.emailed', { email }));
    else setHandOver({ email, delivery });
  };
  const invite = async (values: { email: string; role: Role }) => {
    try {
      const { invitation, delivery } = await inviteUser(client, { email: values.email.trim(), role: values.role });
      setInviting(false);
      inviteForm.resetFields();
      delivered(invitation.email, delivery);
    } catch (error) {
      const d = describeError(error, t);
      inviteForm.setFields([{ name: 'email', errors: [d.detail ?? d.title] }]);
    }
  };
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      const d = describeError(error, t);
      message.error(d.detail ? `${d.title}: ${d.detail}` : d.title);
    }
  };

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
        <Space>
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('users.add')}
          </Button>
          <Button type="primary" icon={<MailOutlined />} onClick={() => setInviting(true)}>
            {t('invites.invite')}
          </Button>
        </Space>
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
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('invites.title')}
      </Typography.Title>
      {invitations.data && !invitations.data.emailConfigured ? <Alert type="info" showIcon message={t('invites.noSmtpHint')} /> : null}
      {invitations.error ? <ErrorAlert error={invitations.error} onRetry={invitations.reload} /> : null}
      <Table<InvitationRow>
        rowKey="id"
        loading={invitations.loading}
        dataSource={invitations.data?.invitations ?? []}
        pagination={false}
        locale={{ emptyText: t('invites.empty') }}
        columns={[
          { title: t('users.email'), dataIndex: 'email' },
          { title: t('users.role'), dataIndex: 'role', render: (role: Role) => t(`roles.${role}`) },
          { title: t('invites.status'), dataIndex: 'status', render: (status: InvitationRow['status']) => <Tag color={statusColors[status]}>{t(`invites.statuses.${status}`)}</Tag> },
          { title: t('invites.expires'), dataIndex: 'expiresAt', render: (at: string) => formatDateTime(at, i18n.language) },
          { title: t('invites.sent'), dataIndex: 'sendCount', render: (n: number, row) => (row.sentAt ? t('invites.sentTimes', { count: n, at: formatDateTime(row.sentAt, i18n.language) }) : t('invites.notSent')) },
          {
            title: t('invites.actions'),
            key: 'actions',
            render: (_: unknown, row) =>
              row.status === 'pending' || row.status === 'expired' ? (
                <Space>
                  <Button size="small" aria-label={t('invites.resendTo', { email: row.email })} onClick={() => void act(async () => delivered(row.email, (await resendInvitation(client, row.id)).delivery))}>
                    {t('invites.resend')}
                  </Button>
                  <Button
                    size="small"
                    danger
                    aria-label={t('invites.revokeFor', { email: row.email })}
                    onClick={() =>
                      void act(async () => {
                        await revokeInvitation(client, row.id);
                        message.success(t('invites.revoked', { email: row.email }));
                        invitations.reload();
                      })
                    }
                  >
                    {t('invites.revoke')}
                  </Button>
                </Space>
              ) : null,
          },
        ]}
      />
      <Modal title={t('invites.invite')} open={inviting} onCancel={() => setInviting(false)} onOk={() => inviteForm.submit()} okText={t('invites.send')} destroyOnHidden>
        <Typography.Paragraph type="secondary">{t('invites.intro')}</Typography.Paragraph>
        <Form form={inviteForm} layout="vertical" requiredMark={false} onFinish={(v) => void invite(v)} initialValues={{ role: 'viewer' }}>
          <Form.Item label={t('users.email')} name="email" rules={[{ required: true, type: 'email', message: t('signIn.emailRequired') }]}>
            <Input type="email" autoComplete="off" />
          </Form.Item>
          <Form.Item label={t('users.role')} name="role">
            <Select options={roleOptionsView} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal title={t('invites.handOverTitle', { email: handOver?.email ?? '' })} open={handOver !== undefined} onCancel={() => setHandOver(undefined)} footer={<Button onClick={() => setHandOver(undefined)}>{t('invites.done')}</Button>}>
        {handOver ? (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Alert type={handOver.delivery.reason === 'smtp_failed' ? 'warning' : 'info'} showIcon message={handOver.delivery.reason === 'smtp_failed' ? t('invites.smtpFailed') : t('invites.noSmtp')} description={handOver.delivery.reason === 'smtp_failed' ? handOver.delivery.message : undefined} />
            <Typography.Text strong>{t('invites.link')}</Typography.Text>
            <Typography.Paragraph copyable={{ text: handOver.delivery.acceptUrl }} code style={{ wordBreak: 'break-all' }} data-testid="invite-link">
              {handOver.delivery.acceptUrl}
            </Typography.Paragraph>
          </Space>
        ) : null}
      </Modal>
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
