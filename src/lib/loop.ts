/**
 * The waiting every background loop does (the outbox, the chain watcher, expiry): a sleep that an
 * abort ends at once, and a loop that runs a job, logs its failure and carries on.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A sleep that `wake()` ends early; a wake that comes while the loop works makes the next sleep return at once. */
export class Wakeup {
  private pending = false;
  private wakeNow: (() => void) | null = null;

  wake(): void {
    if (this.wakeNow) this.wakeNow();
    else this.pending = true;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wakeNow = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeNow = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** Runs `job` every `intervalMs` until the signal aborts; a failure is reported and the loop goes on. */
export async function every(
  intervalMs: number,
  signal: AbortSignal,
  job: () => Promise<unknown>,
  onError: (err: unknown) => void,
  wakeup: Wakeup = new Wakeup(),
): Promise<void> {
  while (!signal.aborted) {
    try {
      await job();
    } catch (err) {
      onError(err);
    }
    await wakeup.sleep(intervalMs, signal);
  }
}
