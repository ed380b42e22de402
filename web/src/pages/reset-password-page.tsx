import { LockOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Result, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createApiClient } from '../api/client.ts';
import { confirmPasswordReset, tokenFromHash } from '../auth/access-api.ts';
import { LanguageSwitch } from '../components/language-switch.tsx';
import { tokenLinkError } from './token-link-error.ts';

/** The page a reset link opens (`/reset-password#token=…`): set a new password once; every session of the account ends. */
export function ResetPasswordPage({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  const [done, setDone] = useState(false);

  const submit = async ({ password }: { password: string }) => {
    if (!token) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await confirmPasswordReset(createApiClient({}), { token, password });
      window.history.replaceState(null, '', '/reset-password');
      setDone(true);
    } catch (error) {
      setFailure(tokenLinkError(error, t, 'resetPassword'));
      setBusy(false);
    }
  };

  return (
    <main className="patron-sign-in">
      <div className="patron-sign-in-top">
        <LanguageSwitch />
      </div>
      <Card className="patron-sign-in-card">
        {done ? (
          <Result
            status="success"
            title={t('resetPassword.doneTitle')}
            subTitle={t('resetPassword.doneText')}
            extra={
              <Button type="primary" onClick={onDone}>
                {t('resetPassword.toSignIn')}
              </Button>
            }
          />
        ) : (
          <>
            <Typography.Title level={3}>{t('resetPassword.title')}</Typography.Title>
            <Typography.Paragraph type="secondary">{t('resetPassword.intro')}</Typography.Paragraph>
            {!token ? <Alert type="error" showIcon role="alert" message={t('resetPassword.reasons.unknown')} /> : null}
            {failure ? <Alert type="error" showIcon role="alert" message={failure} style={{ marginBottom: 16 }} /> : null}
            {token ? (
              <Form layout="vertical" requiredMark={false} onFinish={(v: { password: string }) => void submit(v)} onValuesChange={() => setFailure(undefined)}>
                <Form.Item label={t('resetPassword.newPassword')} name="password" extra={t('setup.passwordHelp')} rules={[{ required: true, min: 8, message: t('setup.passwordHelp') }]}>
                  <Input.Password prefix={<LockOutlined aria-hidden="true" />} autoComplete="new-password" autoFocus />
                </Form.Item>
                <Form.Item
                  label={t('resetPassword.repeat')}
                  name="repeat"
                  dependencies={['password']}
                  rules={[
                    { required: true, message: t('resetPassword.repeatRequired') },
                    ({ getFieldValue }) => ({ validator: (_, value) => (value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('resetPassword.mismatch')))) }),
                  ]}
                >
                  <Input.Password prefix={<LockOutlined aria-hidden="true" />} autoComplete="new-password" />
                </Form.Item>
                <Button type="primary" htmlType="submit" size="large" block loading={busy}>
                  {t('resetPassword.submit')}
                </Button>
              </Form>
            ) : null}
          </>
        )}
      </Card>
    </main>
  );
}
