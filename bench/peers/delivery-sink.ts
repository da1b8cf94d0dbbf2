/** An event as every contender's handler receives it: its id and its payload. */
export interface PeerEnvelope {
  readonly id: string;
  readonly data: unknown;
}

/**
 * The one handler all contenders run (`handle`), and what the bench counts: each event handled
 * once, duplicates, and messages whose delete the broker confirmed (`acked`). A run is done when
 * every message is acked, so the time covers receive, handle and delete.
 */
export class DeliverySink {
  private readonly seen = new Set<string>();
  duplicates = 0;
  acked = 0;

  /** The shared handler: takes note of the event (a real one would commit its effect). */
  handle(eventId: string, data: unknown): void {
    if (typeof data !== 'object' || data === null) throw new Error('event without a payload');
    if (this.seen.has(eventId)) this.duplicates++;
    else this.seen.add(eventId);
  }

  get handled(): number {
    return this.seen.size;
  }
}

/**
 * What a peer's handler does before the shared handler: the body is base64 (as the library
 * sends it), decrypted when a decryptor is given, then parsed.
 */
export async function openByHand(
  body: string | undefined,
  decrypt?: (ciphertext: Buffer) => Promise<Buffer>,
): Promise<PeerEnvelope> {
  const bytes = Buffer.from(body ?? '', 'base64');
  const plaintext = decrypt ? await decrypt(bytes) : bytes;
  const envelope = JSON.parse(plaintext.toString('utf8')) as PeerEnvelope;
  if (typeof envelope.id !== 'string') throw new Error('envelope without an id');
  return envelope;
}
