import { z } from 'zod';
import type { DeliveryReport } from '../receipts/record.ts';

// Aliyun SMS status reports (SmsReport, "HTTP 批量推送"): a JSON array, several reports per request.
// help.aliyun.com/document_detail/101867: phone_number, send_time, report_time, success, err_code, err_msg,
// sms_size, biz_id (SendSms's BizId), out_id (the OutId given to SendSms). Times are Beijing time without a zone.
const aliyunTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'use yyyy-MM-dd HH:mm:ss');

export const aliyunSmsReportSchema = z
  .array(
    z.object({
      phone_number: z.string().max(40),
      send_time: aliyunTime.optional(),
      report_time: aliyunTime,
      success: z.boolean(),
      err_code: z.string().max(100).default(''),
      err_msg: z.string().max(500).default(''),
      sms_size: z.string().max(10).optional(),
      biz_id: z.string().min(1).max(100),
      out_id: z.string().max(300).optional(),
    }),
  )
  .max(1000);
export type AliyunSmsReport = z.infer<typeof aliyunSmsReportSchema>[number];

/** The answer Aliyun expects; it checks only that `code` is a number and pushes again on a non-200. */
export const aliyunReportAck = { code: 0, msg: '接收成功' } as const;

/** A Beijing wall-clock time (UTC+8, no daylight saving) as an instant. */
export function beijingTime(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}+08:00`);
}

/**
 * One Aliyun report as a delivery report. It must name the message by both BizId and OutId (Patron sends the
 * idempotency key as OutId), so a guessed BizId alone cannot change a message.
 */
export function fromAliyunReport(report: AliyunSmsReport): DeliveryReport {
  return {
    channel: 'sms',
    providerMessageId: report.biz_id,
    idempotencyKey: report.out_id ?? '',
    outcome: report.success ? 'delivered' : 'failed',
    reason: report.success ? null : `SMS report: ${report.err_code} ${report.err_msg}`.trim(),
    at: beijingTime(report.report_time),
  };
}
