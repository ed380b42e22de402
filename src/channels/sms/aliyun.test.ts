import { describe, expect, it } from 'vitest';
import { aliyunEncode, aliyunPhone, aliyunSignature } from './aliyun.ts';

describe('Aliyun POP signature', () => {
  it('reproduces the SendSms example of the Aliyun SMS signature documentation', () => {
    // help.aliyun.com/document_detail/56189: AccessKeySecret testSecret → zJDF+Lrzhj/ThnlvIToysFRq6t4=
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(aliyunSignature('testSecret', params)).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('percent-encodes as POP requires and writes phone numbers as dysmsapi takes them', () => {
    expect(aliyunEncode("a b*~!'()")).toBe('a%20b%2A~%21%27%28%29');
    expect(aliyunPhone('+8613800138000')).toBe('13800138000');
    expect(aliyunPhone('+85291234567')).toBe('85291234567');
  });
});
