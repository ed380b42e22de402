import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Form, Input, Skeleton, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/api-error.ts';
import { createApiClient } from '../api/client.ts';
import { useRequest } from '../api/use-request.ts';
import { acceptInvitation, previewInvitation, tokenFromHash } from '../auth/access-api.ts';
import type { SessionInfo } from '../auth/session-api.ts';
import { LanguageSwitch } from '../components/language-switch.tsx';
import { formatDateTime } from './settings/format-date-time.ts';
import { tokenLinkError } from './token-link-error.ts';

/**
 * The page an invitation link opens (`/accept-invite#token=…`): who invited the email to which workspace
 * with which role; a new person sets their name and password, someone with an account enters its password.
 */
export function AcceptInvitePage({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }) {
  const { t, i18n } = useTranslation();
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const preview = useRequest(`invite|${token ?? ''}`, () => (token ? previewInvitation(createApiClient({}), token) : Promise.reject(new ApiError('invalid_input', 'no token', 400, { reason: 'unknown' }))));
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();

  const submit = async (v: { name?: string; password: string }) => {
    if (!token) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const session = await acceptInvitation(createApiClient({}), { token, name: v.name?.trim(), password: v.password });
      onSignedIn(session);
    } catch (error) {
      setFailure(error instanceof ApiError && error.code === 'unauthorized' ? t('acceptInvite.wrongPassword') : tokenLinkError(error, t, 'acceptInvite'));
      setBusy(false);
    }
  };

  const invite = preview.data;
  return (
    <main className="patron-sign-in">
      <div className="patron-sign-in-top">
        <LanguageSwitch />
      </div>
      <Card className="patron-sign-in-card">
        <Typography.Title level={3}>{invite ? t('acceptInvite.title', { workspace: invite.workspace.name }) : t('acceptInvite.titleGeneric')}</Typography.Title>
        {preview.loading && !invite ? <Skeleton active /> : null}
        {preview.error ? (
          <Alert
            type="error"
            showIcon
            role="alert"
            message={tokenLinkError(preview.error, t, 'acceptInvite')}
            action={
              <Button size="small" onClick={() => window.location.assign('/')}>
                {t('acceptInvite.toSignIn')}
              </Button>
            }
          />
        ) : null}
        {invite ? (
          <>
            <Descriptions column={1} size="small" style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('users.email')}>{invite.email}</Descriptions.Item>
              <Descriptions.Item label={t('users.role')}>{t(`roles.${invite.role}`)}</Descriptions.Item>
              <Descriptions.Item label={t('invites.expires')}>{formatDateTime(invite.expiresAt, i18n.language)}</Descriptions.Item>
            </Descriptions>
            <Typography.Paragraph type="secondary">{invite.accountExists ? t('acceptInvite.existingIntro') : t('acceptInvite.newIntro')}</Typography.Paragraph>
            {failure ? <Alert type="error" showIcon role="alert" message={failure} style={{ marginBottom: 16 }} /> : null}
            <Form layout="vertical" requiredMark={false} onFinish={(v: { name?: string; password: string }) => void submit(v)} onValuesChange={() => setFailure(undefined)}>
              {invite.accountExists ? null : (
                <Form.Item label={t('users.name')} name="name" rules={[{ required: true, whitespace: true, message: t('setup.required') }]}>
                  <Input prefix={<UserOutlined aria-hidden="true" />} autoComplete="name" autoFocus />
                </Form.Item>
              )}
              <Form.Item
                label={invite.accountExists ? t('acceptInvite.yourPassword') : t('acceptInvite.newPassword')}
                name="password"
                extra={invite.accountExists ? undefined : t('setup.passwordHelp')}
                rules={[{ required: true, min: invite.accountExists ? 1 : 8, message: invite.accountExists ? t('signIn.passwordRequired') : t('setup.passwordHelp') }]}
              >
                <Input.Password prefix={<LockOutlined aria-hidden="true" />} autoComplete={invite.accountExists ? 'current-password' : 'new-password'} autoFocus={invite.accountExists} />
              </Form.Item>
              <Button type="primary" htmlType="submit" size="large" block loading={busy}>
                {t('acceptInvite.submit')}
              </Button>
            </Form>
          </>
        ) : null}
      </Card>
    </main>
  );
}
