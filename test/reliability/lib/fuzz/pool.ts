/** Runs `work` over `items`, at most `concurrency` at a time; resolves when all are done. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i], i);
  });
  await Promise.all(runners);
}

/** Resolves once `probe` returns a value other than undefined/false/null, or with undefined after `timeoutMs`. */
export async function until<T>(probe: () => T | undefined | false | null, timeoutMs: number, stepMs = 25): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
