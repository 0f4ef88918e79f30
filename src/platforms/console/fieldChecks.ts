import type { Caller } from "../../core/command.ts";
import type { RawArgs } from "../../core/dispatch.ts";
import type { Services } from "../../services.ts";
import { checkProofHash } from "../../topups/checkProofHash.ts";

/** What is wrong with one answer, as a message key (the same one the command's submission would give). */
export type FieldIssue = { key: string; params?: Record<string, string | number> };

type Check = (services: Services, caller: Caller, args: RawArgs, value: unknown) => Promise<FieldIssue | undefined>;

/**
 * Checks the console makes on an answer the moment it is typed, where the command's zod schema
 * cannot judge it because the rule depends on stored data. A chat modal shows every field at once
 * and the command reports all of them on submit; the console asks one prompt after another, so
 * without this a wrong hash was reported only after the screenshot had been asked for.
 *
 * The rules are the domain's (src/topups/checkProofHash.ts); this only says which answer each
 * one judges.
 */
const CHECKS: Record<string, Record<string, Check>> = {
  proof: {
    async txHash(services, caller, args, value) {
      if (typeof value !== "string" || typeof args.order !== "string") return undefined;
      const refused = await checkProofHash(services, caller, args.order, value);
      return refused && { key: refused.key, params: refused.params };
    },
  },
};

export async function checkFieldNow(services: Services, caller: Caller, command: string, field: string, args: RawArgs, value: unknown): Promise<FieldIssue | undefined> {
  const check = CHECKS[command]?.[field];
  return check ? check(services, caller, args, value) : undefined;
}
