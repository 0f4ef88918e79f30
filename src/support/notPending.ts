import { UserError } from "../errors.ts";
import type { Adjustment } from "./adjustment.ts";

/** Why a decided request cannot be decided again, naming who decided it. */
export function notPendingError(adjustment: Adjustment): UserError {
  return new UserError(`support_tools.errors.already_${adjustment.status}`, {
    adjustment: adjustment.adjustmentNo,
    by: adjustment.decidedByName ?? adjustment.decidedById ?? "?",
  });
}
