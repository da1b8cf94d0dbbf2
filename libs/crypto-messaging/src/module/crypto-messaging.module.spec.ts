import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigError, MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import { KeyUseMonitor } from '../keys/key-use.monitor';
import { MessagingRuntime } from '../messaging.runtime';
import { EncryptedPublisher } from '../publisher/encrypted.publisher';
import type { MessagingTopology } from '../topology/topology.types';
import { ConsumerServerFactory } from './consumer-server.factory';
import { CryptoMessagingModule } from './crypto-messaging.module';
import type { CryptoMessagingModuleOptions } from './crypto-messaging.module-definition';

/** A small non-clinic topology: nothing here is reached over the network. */
const topology: MessagingTopology = {
  prefix: 'shop',
  publisher: 'orders',
  keys: [{ ref: 'orders', alias: 'alias/shop-orders', description: 'order events' }],
  topic: { name: 'shop-order-events', keyRef: 'orders' },
  queues: [
    {
      consumer: 'shipping',
      name: 'shop-shipping',
      deadLetterQueueName: 'shop-shipping-dlq',
      keyRef: 'orders',
      maxReceiveCount: 3,
      visibilityTimeoutS: 30,
      messageRetentionS: 3600,
      deadLetterRetentionS: 7200,
      receiveWaitTimeS: 1,
      filterPolicy: { 'ships-physically': ['true'] },
      rawMessageDelivery: true,
    },
  ],
  dataKeyReusePeriodS: 300,
  attributes: ['ships-physically'],
};

describe('CryptoMessagingModule', () => {
  let keyDir: string;
  let options: CryptoMessagingModuleOptions;
  beforeEach(() => {
    keyDir = mkdtempSync(path.join(tmpdir(), 'cm-module-'));
    options = {
      app: 'orders',
      profile: 'embedded',
      topology,
      region: 'eu-west-1',
      // Nothing listens here: building the module makes no network call.
      endpoint: 'http://127.0.0.1:9',
      localKeyDir: keyDir,
      dataKeyMaxAgeS: 60,
    };
  });
  afterEach(() => rmSync(keyDir, { recursive: true, force: true }));

  it('forRoot provides the runtime from the options, the monitor and the transport factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CryptoMessagingModule.forRoot(options)],
    }).compile();
    const runtime = moduleRef.get(MessagingRuntime);
    expect(runtime.app).toBe('orders');
    expect(runtime.topology.topic.name).toBe('shop-order-events');
    expect(runtime.endpoint).toBe('http://127.0.0.1:9');
    expect(runtime.options).toMatchObject({
      region: 'eu-west-1',
      dataKeyMaxAgeS: 60,
      algorithm: 'committing',
    });
    expect([...runtime.allowedAttributes].sort()).toEqual([
      'event-id',
      'event-type',
      'schema-version',
      'ships-physically',
    ]);
    expect(moduleRef.get(KeyUseMonitor)).toBe(runtime.monitor);
    expect(moduleRef.get(ConsumerServerFactory)).toBeInstanceOf(ConsumerServerFactory);
    // No publisher unless asked for.
    expect(() => moduleRef.get(EncryptedPublisher)).toThrow();
    await moduleRef.close();
  });

  it('forRootAsync builds the options from injected providers', async () => {
    @Injectable()
    class Settings {
      readonly region = 'us-west-2';
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        CryptoMessagingModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ ...options, region: settings.region, app: 'shipping' }),
        }),
      ],
    }).compile();
    const runtime = moduleRef.get(MessagingRuntime);
    expect(runtime.app).toBe('shipping');
    expect(runtime.options.region).toBe('us-west-2');
    expect(moduleRef.get(KeyUseMonitor)).toBe(runtime.monitor);
    await moduleRef.close();
  });

  it('closes the SDK clients when the application shuts down', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CryptoMessagingModule.forRoot(options)],
    }).compile();
    const runtime = moduleRef.get(MessagingRuntime);
    const close = jest.spyOn(runtime, 'close');
    const app = moduleRef.createNestApplication();
    await app.init();
    expect(close).not.toHaveBeenCalled();
    await app.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('with publisher: true, fails to start (BROKER_UNAVAILABLE, with a fix) when the topic cannot be looked up', async () => {
    const building = Test.createTestingModule({
      imports: [CryptoMessagingModule.forRoot({ ...options, publisher: true })],
    }).compile();
    const error = (await building.catch((e: unknown) => e)) as MessagingError;
    expect(error).toBeInstanceOf(MessagingError);
    expect(error.code).toBe(MessagingErrorCode.BrokerUnavailable);
    expect(error.message).toContain('http://127.0.0.1:9');
    expect(error.fix).toBe('Start the embedded broker, or check the endpoint it listens on.');
  });

  it('with publisher: true and a known topic ARN, provides a publisher without looking the topic up', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CryptoMessagingModule.forRoot({
          ...options,
          topicArn: 'arn:aws:sns:eu-west-1:123456789012:shop-order-events',
          publisher: true,
        }),
      ],
    }).compile();
    expect(moduleRef.get(EncryptedPublisher)).toBeInstanceOf(EncryptedPublisher);
    await moduleRef.close();
  });

  it('refuses invalid options, naming each one', async () => {
    const building = Test.createTestingModule({
      imports: [CryptoMessagingModule.forRoot({ ...options, region: 'Mars', endpoint: undefined })],
    }).compile();
    const error = (await building.catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('region: must look like us-east-1');
    expect(error.message).toContain('endpoint: is required by the embedded profile');
  });
});
