import { randomBytes } from 'node:crypto';
import { EnvelopeCipher, KeyUseMonitor, localKeyProvider } from '@app/crypto-messaging';
import { openByHand } from './delivery-sink';
import { HandDecryptor } from './hand-decryptor';

describe("the peers' decryption by hand", () => {
  const masterKey = randomBytes(32);
  const context = { topic: 'shop-orders', 'event-type': 'order.placed', 'schema-version': '1' };
  const libraryCipher = new EnvelopeCipher({
    keys: localKeyProvider(masterKey, 'shop-records', new KeyUseMonitor('test')),
    monitor: new KeyUseMonitor('test'),
  });
  const decryptor = (over: Partial<ConstructorParameters<typeof HandDecryptor>[0]> = {}) =>
    new HandDecryptor({
      masterKey,
      keyName: 'shop-records',
      dataKeyMaxAgeS: 300,
      dataKeyMaxMessages: 1000,
      expectedContext: context,
      ...over,
    });
  const sealed = async (body: object, under = context) =>
    (await libraryCipher.encrypt(Buffer.from(JSON.stringify(body)), under)).toString('base64');

  it("opens what the library's cipher sealed with the same local key", async () => {
    const body = await sealed({ id: 'evt-1', data: { sku: 'synthetic' } });
    const envelope = await openByHand(body, (c) => decryptor().decrypt(c));
    expect(envelope).toEqual({ id: 'evt-1', data: { sku: 'synthetic' } });
  });

  it('refuses another key, and another encryption context', async () => {
    const body = Buffer.from(await sealed({ id: 'evt-2', data: {} }), 'base64');
    await expect(decryptor({ masterKey: randomBytes(32) }).decrypt(body)).rejects.toThrow();
    const other = Buffer.from(
      await sealed({ id: 'evt-3', data: {} }, { ...context, topic: 'other' }),
      'base64',
    );
    await expect(decryptor().decrypt(other)).rejects.toThrow('encryption context differs');
  });

  it('opens plaintext bodies without a decryptor, and refuses an envelope without an id', async () => {
    const plain = Buffer.from(JSON.stringify({ id: 'evt-4', data: { n: 1 } })).toString('base64');
    await expect(openByHand(plain)).resolves.toEqual({ id: 'evt-4', data: { n: 1 } });
    const anonymous = Buffer.from(JSON.stringify({ data: {} })).toString('base64');
    await expect(openByHand(anonymous)).rejects.toThrow('envelope without an id');
  });
});
