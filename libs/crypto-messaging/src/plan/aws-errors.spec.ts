import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import { awsCaller, requireValue, wrapAwsError } from './aws-errors';

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('wrapAwsError', () => {
  it('says which call on which resource failed, with a fix that names no application command', () => {
    const cases: [Error, string, MessagingErrorCode, string][] = [
      [
        named('Error', 'connect ECONNREFUSED 127.0.0.1:1'),
        'sqs:GetQueueUrl',
        MessagingErrorCode.BrokerUnavailable,
        'start the broker',
      ],
      [
        named('AccessDeniedException', 'no'),
        'kms:DescribeKey',
        MessagingErrorCode.KmsAccessDenied,
        'grant the caller kms:DescribeKey',
      ],
      [
        named('DisabledException', 'off'),
        'kms:GenerateDataKey',
        MessagingErrorCode.KmsKeyDisabled,
        'enable the key',
      ],
      [
        named('NotFoundException', 'gone'),
        'kms:DescribeKey',
        MessagingErrorCode.KmsKeyNotFound,
        'provision the topology again',
      ],
    ];
    for (const [error, operation, code, fix] of cases) {
      const wrapped = wrapAwsError(error, operation, 'queue shop-shipping', 'http://127.0.0.1:1');
      expect(wrapped).toMatchObject({ code, cause: error });
      expect(wrapped.message).toContain(`${operation} for queue shop-shipping failed`);
      expect(wrapped.fix).toContain(fix);
      expect(`${wrapped.message} ${wrapped.fix}`).not.toMatch(/npm |CLINIC_/);
    }
  });

  it('passes a MessagingError through unchanged', () => {
    const original = new MessagingError(MessagingErrorCode.Config, 'already said');
    expect(wrapAwsError(original, 'sns:Publish', 'topic t')).toBe(original);
  });
});

describe('awsCaller / requireValue', () => {
  it('wraps every failure of a call for the endpoint it was made for', async () => {
    const call = awsCaller('http://127.0.0.1:9');
    await expect(
      call('sns:ListTopics', 'topic t', () => Promise.reject(named('Error', 'ECONNREFUSED'))),
    ).rejects.toMatchObject({
      code: MessagingErrorCode.BrokerUnavailable,
      message: expect.stringContaining('the endpoint at http://127.0.0.1:9 does not answer') as unknown,
    });
    await expect(call('sns:ListTopics', 'topic t', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('refuses an answer without the field every AWS answer has', () => {
    expect(requireValue('x', 'no field', 'topic t')).toBe('x');
    expect(() =>
      requireValue(undefined, 'CreateTopic returned no TopicArn', 'topic t', 'http://127.0.0.1:9'),
    ).toThrow(/topic t: CreateTopic returned no TopicArn: the endpoint at http:\/\/127\.0\.0\.1:9 answered/);
  });
});
