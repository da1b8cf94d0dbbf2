/**
 * Read-only look-ups shared by provisioning and the doctor: "does it exist, and what is it
 * now". Each returns undefined for "not there" and lets every other error through.
 */
import type { KeyMetadata, KMS } from '@aws-sdk/client-kms';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isAwsError } from './aws-errors';
import { parseArn } from './policies';

/** The ARN of the topic with this name, found by listing (the account id is not known yet). */
export async function findTopicArn(sns: SNSClient, name: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand({ NextToken: token }));
    const found = page.Topics?.find(
      (t) => t.TopicArn !== undefined && parseArn(t.TopicArn).resource === name,
    );
    if (found?.TopicArn) return found.TopicArn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

/** Every subscription of a topic (all pages). */
export async function listTopicSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    all.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

/** The queue URL, or undefined when no queue has this name. */
export async function findQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) return undefined;
    throw error;
  }
}

/** All attributes of a queue. */
export async function queueAttributes(sqs: SQSClient, url: string): Promise<Record<string, string>> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

/** DescribeKey, or undefined when the key id, ARN or alias resolves to nothing. */
export async function describeKey(kms: KMS, keyId: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.describeKey({ KeyId: keyId })).KeyMetadata;
  } catch (error) {
    if (isAwsError(error, 'NotFoundException')) return undefined;
    throw error;
  }
}

/** All attributes of a topic. */
export async function topicAttributes(sns: SNSClient, topicArn: string): Promise<Record<string, string>> {
  return (await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
}

/** All attributes of a subscription. */
export async function subscriptionAttributes(
  sns: SNSClient,
  subscriptionArn: string,
): Promise<Record<string, string>> {
  const out = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
  return out.Attributes ?? {};
}
