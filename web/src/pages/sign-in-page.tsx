import { KeyOutlined, LockOutlined, MailOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Divider, Form, Input, Skeleton, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/api-error.ts';
import { createApiClient } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';
import { useRequest } from '../api/use-request.ts';
import { fetchWorkspace } from '../api/workspace-api.ts';
import { requestPasswordReset } from '../auth/access-api.ts';
import { fetchSetupStatus, setupOwner, signIn, type SessionInfo } from '../auth/session-api.ts';
import { CodeText } from '../components/code-text.tsx';
import { LanguageSwitch } from '../components/language-switch.tsx';

const demoKey = 'demo-secret-key';
const demoEmail = 'demo@patron.dev';
const demoPassword = 'patron-demo';

// Why a key was refused, in words that fit the sign-in form (the general messages talk about signing out).
function rejectionText(error: unknown, t: TFunction): string {
  if (error instanceof ApiError && error.code === 'unauthorized') return t('signIn.unknownKey');
  if (error instanceof ApiError && error.code === 'forbidden') return t('signIn.writeKey');
  return failureText(error, t);
}

function failureText(error: unknown, t: TFunction): string {
  const described = describeError(error, t);
  return described.detail ? `${described.title} (${described.detail})` : described.title;
}

/**
 * The sign-in gate: email and password (the session cookie), the first-run owner form while the
 * installation has no users, and a secret API key as the alternative for scripts and old set-ups.
 */
export function SignInPage(props: { onSignedIn: (session: SessionInfo) => void; onKey: (key: string) => void; keyRevoked?: boolean; sessionEnded?: boolean }) {
  const { t } = useTranslation();
  const setup = useRequest('setup', () => fetchSetupStatus(createApiClient({})));
  const [forgot, setForgot] = useState(false);

  return (
    <main className="patron-sign-in">
      <div className="patron-sign-in-top">
        <LanguageSwitch />
      </div>
      <Card className="patron-sign-in-card">
        <div className="patron-brand patron-brand-light">
          <span className="patron-brand-mark" aria-hidden="true">
            P
          </span>
          <span>
            <span className="patron-brand-name">{t('app.name')}</span>
            <span className="patron-brand-tagline">{t('app.tagline')}</span>
          </span>
        </div>
        <Typography.Title level={3} style={{ marginTop: 24 }}>
          {t('signIn.title')}
        </Typography.Title>
        {props.keyRevoked ? <Alert type="warning" showIcon message={t('signIn.keyRevoked')} style={{ marginTop: 16 }} /> : null}
        {props.sessionEnded ? <Alert type="info" showIcon message={t('signIn.sessionEnded')} style={{ marginTop: 16 }} /> : null}
        {setup.loading && !setup.data ? (
          <Skeleton active />
        ) : setup.data?.needed ? (
          <OwnerSetupForm onSignedIn={props.onSignedIn} />
        ) : forgot ? (
          <ForgotPasswordForm onBack={() => setForgot(false)} />
        ) : (
          <PasswordForm onSignedIn={props.onSignedIn} onForgot={() => setForgot(true)} />
        )}
        <Divider plain>{t('signIn.useKey')}</Divider>
        <KeyForm onKey={props.onKey} />
      </Card>
    </main>
  );
}

function PasswordForm({ onSignedIn, onForgot }: { onSignedIn: (session: SessionInfo) => void; onForgot: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  const submit = async ({ email, password }: { email: string; password: string }) => {
    setBusy(true);
    setFailure(undefined);
    try {
      onSignedIn(await signIn(createApiClient({}), email.trim(), password));
    } catch (error) {
      setFailure(error instanceof ApiError && error.code === 'unauthorized' ? t('signIn.wrongPassword') : failureText(error, t));
      setBusy(false);
    }
  };
  return (
    <>
      <Form layout="vertical" requiredMark={false} onFinish={(v: { email: string; password: string }) => void submit(v)} onValuesChange={() => setFailure(undefined)}>
        <Form.Item label={t('signIn.email')} name="email" rules={[{ required: true, whitespace: true, message: t('signIn.emailRequired') }]}>
          <Input prefix={<MailOutlined aria-hidden="true" />} type="email" autoComplete="username" autoFocus size="large" />
        </Form.Item>
        <Form.Item label={t('signIn.password')} name="password" rules={[{ required: true, message: t('signIn.passwordRequired') }]} validateStatus={failure ? 'error' : undefined} help={failure}>
          <Input.Password prefix={<LockOutlined aria-hidden="true" />} autoComplete="current-password" size="large" />
        </Form.Item>
        <Button type="link" onClick={onForgot} style={{ padding: 0, marginBottom: 8 }}>
          {t('forgotPassword.link')}
        </Button>
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
          <CodeText i18nKey="signIn.demoLogin" values={{ email: demoEmail, password: demoPassword }} />
        </Typography.Paragraph>
        <Button type="primary" htmlType="submit" size="large" block loading={busy}>
          {t('signIn.submit')}
        </Button>
      </Form>
    </>
  );
}

/** Forgot password: asks for the email and always answers the same, whether or not it has an account. */
function ForgotPasswordForm({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [failure, setFailure] = useState<string>();
  const submit = async ({ email }: { email: string }) => {
    setBusy(true);
    setFailure(undefined);
    try {
      await requestPasswordReset(createApiClient({}), email.trim());
      setSent(true);
    } catch (error) {
      setFailure(failureText(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Typography.Title level={4}>{t('forgotPassword.title')}</Typography.Title>
      {sent ? (
        <Alert type="success" showIcon role="status" message={t('forgotPassword.sent')} style={{ marginBottom: 16 }} />
      ) : (
        <Form layout="vertical" requiredMark={false} onFinish={(v: { email: string }) => void submit(v)} onValuesChange={() => setFailure(undefined)}>
          <Typography.Paragraph type="secondary">{t('forgotPassword.intro')}</Typography.Paragraph>
          <Form.Item label={t('signIn.email')} name="email" rules={[{ required: true, type: 'email', message: t('signIn.emailRequired') }]} validateStatus={failure ? 'error' : undefined} help={failure}>
            <Input prefix={<MailOutlined aria-hidden="true" />} type="email" autoComplete="username" autoFocus size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" size="large" block loading={busy}>
            {t('forgotPassword.submit')}
          </Button>
        </Form>
      )}
      <Button type="link" onClick={onBack} style={{ padding: 0, marginTop: 8 }}>
        {t('forgotPassword.back')}
      </Button>
    </>
  );
}

function OwnerSetupForm({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  type Values = { workspaceName: string; slug: string; name: string; email: string; password: string };
  const submit = async (v: Values) => {
    setBusy(true);
    setFailure(undefined);
    try {
      onSignedIn(await setupOwner(createApiClient({}), { workspace: { slug: v.slug.trim(), name: v.workspaceName.trim() }, email: v.email.trim(), name: v.name.trim(), password: v.password }));
    } catch (error) {
      setFailure(failureText(error, t));
      setBusy(false);
    }
  };
  return (
    <>
      <Typography.Title level={4}>{t('setup.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('setup.intro')}</Typography.Paragraph>
      {failure ? <Alert type="error" showIcon message={failure} style={{ marginBottom: 16 }} /> : null}
      <Form layout="vertical" requiredMark={false} onFinish={(v: Values) => void submit(v)} initialValues={{ slug: 'main' }}>
        <Form.Item label={t('setup.workspaceName')} name="workspaceName" rules={[{ required: true, whitespace: true, message: t('setup.required') }]}>
          <Input autoFocus />
        </Form.Item>
        <Form.Item label={t('setup.slug')} name="slug" extra={t('setup.slugHelp')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, message: t('setup.slugHelp') }]}>
          <Input spellCheck={false} />
        </Form.Item>
        <Form.Item label={t('setup.name')} name="name" rules={[{ required: true, whitespace: true, message: t('setup.required') }]}>
          <Input autoComplete="name" />
        </Form.Item>
        <Form.Item label={t('signIn.email')} name="email" rules={[{ required: true, type: 'email', message: t('signIn.emailRequired') }]}>
          <Input type="email" autoComplete="username" />
        </Form.Item>
        <Form.Item label={t('signIn.password')} name="password" extra={t('setup.passwordHelp')} rules={[{ required: true, min: 8, message: t('setup.passwordHelp') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" size="large" block loading={busy}>
          {t('setup.submit')}
        </Button>
      </Form>
    </>
  );
}

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const { t } = useTranslation();
  const [checking, setChecking] = useState(false);
  const [rejection, setRejection] = useState<string>();
  const submit = async ({ apiKey }: { apiKey: string }) => {
    const key = apiKey.trim();
    setChecking(true);
    setRejection(undefined);
    try {
      await fetchWorkspace(createApiClient({ apiKey: key }));
      onKey(key);
    } catch (error) {
      setRejection(rejectionText(error, t));
      setChecking(false);
    }
  };
  return (
    <Form layout="vertical" requiredMark={false} onFinish={(values: { apiKey: string }) => void submit(values)} onValuesChange={() => setRejection(undefined)}>
      <Typography.Paragraph type="secondary">{t('signIn.intro')}</Typography.Paragraph>
      <Form.Item
        label={t('signIn.keyLabel')}
        name="apiKey"
        rules={[{ required: true, whitespace: true, message: t('signIn.keyRequired') }]}
        validateStatus={rejection ? 'error' : undefined}
        help={rejection}
        extra={<CodeText i18nKey="signIn.demoHint" values={{ key: demoKey }} />}
      >
        <Input.Password prefix={<KeyOutlined aria-hidden="true" />} autoComplete="off" spellCheck={false} />
      </Form.Item>
      <Button htmlType="submit" block loading={checking}>
        {t('signIn.keySubmit')}
      </Button>
    </Form>
  );
}
