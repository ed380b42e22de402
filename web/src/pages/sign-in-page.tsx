import { KeyOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/api-error.ts';
import { createApiClient } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';
import { fetchWorkspace } from '../api/workspace-api.ts';
import { CodeText } from '../components/code-text.tsx';
import { LanguageSwitch } from '../components/language-switch.tsx';

const demoKey = 'demo-secret-key';

// Why a key was refused, in words that fit the sign-in form (the general messages talk about signing out).
function rejectionText(error: unknown, t: TFunction): string {
  if (error instanceof ApiError && error.code === 'unauthorized') return t('signIn.unknownKey');
  if (error instanceof ApiError && error.code === 'forbidden') return t('signIn.writeKey');
  const described = describeError(error, t);
  return described.detail ? `${described.title} (${described.detail})` : described.title;
}

/** Asks for a secret API key and checks it against the server before keeping it (user sign-in comes later). */
export function SignInPage({ onSignedIn, keyRevoked = false }: { onSignedIn: (key: string) => void; keyRevoked?: boolean }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ apiKey: string }>();
  const [checking, setChecking] = useState(false);
  const [rejection, setRejection] = useState<string>();

  const submit = async ({ apiKey }: { apiKey: string }) => {
    const key = apiKey.trim();
    setChecking(true);
    setRejection(undefined);
    try {
      await fetchWorkspace(createApiClient({ apiKey: key }));
      onSignedIn(key);
    } catch (error) {
      setRejection(rejectionText(error, t));
      setChecking(false);
    }
  };

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
        <Typography.Paragraph type="secondary">{t('signIn.intro')}</Typography.Paragraph>
        {keyRevoked ? <Alert type="warning" showIcon message={t('signIn.keyRevoked')} style={{ marginBottom: 16 }} /> : null}
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(values) => void submit(values)} onValuesChange={() => setRejection(undefined)}>
          <Form.Item
            label={t('signIn.keyLabel')}
            name="apiKey"
            rules={[{ required: true, whitespace: true, message: t('signIn.keyRequired') }]}
            validateStatus={rejection ? 'error' : undefined}
            help={rejection}
            extra={<CodeText i18nKey="signIn.demoHint" values={{ key: demoKey }} />}
          >
            <Input.Password prefix={<KeyOutlined aria-hidden="true" />} autoComplete="off" spellCheck={false} autoFocus size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" size="large" block loading={checking}>
            {t('signIn.submit')}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 13 }}>
          {t('signIn.laterNote')}
        </Typography.Paragraph>
      </Card>
    </main>
  );
}
