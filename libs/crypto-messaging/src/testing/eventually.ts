/**
 * Polls `read` until `done(value)` holds and resolves with that value; rejects after `timeoutMs`
 * naming what it waited for. For conditions no spy reports (HTTP state, database rows, counters):
 * tests wait on a condition, never on a fixed sleep.
 */
export async function eventually<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean = (value) => Boolean(value),
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
