import { SwapOutlined } from '@ant-design/icons';
import { App, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApiClient } from '../api/api-context.tsx';
import { describeError } from '../api/describe-error.ts';
import { useRequest } from '../api/use-request.ts';
import { fetchMyWorkspaces, switchWorkspace } from '../auth/access-api.ts';
import type { SessionInfo } from '../auth/session-api.ts';

/** The header's workspace picker for users who belong to several workspaces; switching starts a session there. */
export function WorkspaceSwitcher({ onSwitched }: { onSwitched: (session: SessionInfo) => void }) {
  const { t } = useTranslation();
  const client = useApiClient();
  const { message } = App.useApp();
  const mine = useRequest('my-workspaces', () => fetchMyWorkspaces(client));
  const [busy, setBusy] = useState(false);
  if (!mine.data || mine.data.workspaces.length < 2) return null;

  const choose = async (workspaceId: number) => {
    setBusy(true);
    try {
      onSwitched(await switchWorkspace(client, workspaceId));
    } catch (error) {
      const d = describeError(error, t);
      message.error(d.detail ? `${d.title}: ${d.detail}` : d.title);
      setBusy(false);
    }
  };
  return (
    <Select
      aria-label={t('workspaceSwitch.label')}
      value={mine.data.current}
      loading={busy}
      disabled={busy}
      suffixIcon={<SwapOutlined aria-hidden="true" />}
      style={{ minWidth: 200 }}
      popupMatchSelectWidth={false}
      options={mine.data.workspaces.map((w) => ({ value: w.workspaceId, label: w.role ? `${w.name} · ${t(`roles.${w.role}`)}` : w.name }))}
      onChange={(id: number) => void choose(id)}
    />
  );
}
