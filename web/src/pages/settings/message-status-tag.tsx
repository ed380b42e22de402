import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MessageStatus } from './channels-api.ts';

const colors: Readonly<Record<MessageStatus, string>> = {
  queued: 'blue',
  held: 'purple',
  sent: 'cyan',
  delivered: 'green',
  failed: 'red',
  bounced: 'volcano',
  suppressed: 'default',
  dry_run: 'default',
};

/** A message's status in the console language, coloured by how it ended. */
export function MessageStatusTag({ status }: { status: MessageStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={colors[status]} data-status={status}>
      {t(`messages.statuses.${status}`)}
    </Tag>
  );
}
