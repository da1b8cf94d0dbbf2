/** How an app proves its messaging works, for `/health`: its own queue, or the topic. */
export abstract class MessagingProbe {
  /** Resolves `up` or `down` with a reason; never throws, never waits long. */
  abstract check(): Promise<{ status: 'up' | 'down'; detail?: string }>;
}
