/**
 * After an ack, the command's work would otherwise run before the event loop looks at the next
 * requests waiting on their sockets; letting them be read (and acked) first keeps every ack fast.
 */
export function yieldToPendingRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How `work` settled, or "late" when it took longer than the budget (it keeps running). */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<PromiseSettledResult<T> | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budgetMs);
  });
  const settled = work.then(
    (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
    (reason: unknown): PromiseSettledResult<T> => ({ status: "rejected", reason }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
