/**
 * Resolves when `done` settles or after `ms`, whichever comes first, and leaves no timer behind.
 * `done` should not reject (the caller handles its failure), or the rejection passes through.
 */
export async function settledOrLater(done: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const later = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([done, later]);
  } finally {
    clearTimeout(timer);
  }
}
