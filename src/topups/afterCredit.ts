import type { Tx } from "../db/index.ts";
import type { PostingResult } from "../ledger/postEntries.ts";

/** What else follows a credit inside its transaction (low-balance alerts re-arm on a credit). */
export async function afterCredit(_tx: Tx, _posting: PostingResult): Promise<void> {}
