import { App, Form, Input, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../api/api-context.tsx';
import { describeError } from '../api/describe-error.ts';
import { changePassword } from './session-api.ts';

/** Lets the signed-in user change their own password (the current one is required). */
export function ChangePasswordModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ currentPassword: string; newPassword: string }>();
  const submit = async (values: { currentPassword: string; newPassword: string }) => {
    try {
      await changePassword(client, values);
      message.success(t('password.changed'));
      form.resetFields();
      onClose();
    } catch (error) {
      const d = describeError(error, t);
      form.setFields([{ name: 'currentPassword', errors: [d.detail ?? d.title] }]);
    }
  };
  return (
    <Modal title={t('password.title')} open={open} onCancel={onClose} onOk={() => form.submit()} okText={t('password.submit')} destroyOnHidden>
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)}>
        <Form.Item label={t('password.current')} name="currentPassword" rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item label={t('password.new')} name="newPassword" extra={t('setup.passwordHelp')} rules={[{ required: true, min: 8, message: t('setup.passwordHelp') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
