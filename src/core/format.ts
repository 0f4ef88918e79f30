/** Times shown in chat: unambiguous UTC, the same on every surface. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
