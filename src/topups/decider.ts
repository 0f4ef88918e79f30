import type { Caller, Platform } from "../core/command.ts";

/** Who decides an order: a support member (as their platform identified them) or the system. */
export interface Decider {
  type: "support" | "system";
  platform?: Platform;
  workspaceId?: string;
  userId?: string;
  displayName?: string;
}

export function deciderOf(caller: Caller): Decider {
  return {
    type: "support",
    platform: caller.platform,
    workspaceId: caller.workspaceId,
    userId: caller.userId,
    displayName: caller.displayName,
  };
}

export function deciderLabel(decider: Decider): string {
  if (decider.type === "system") return "automatic";
  if (decider.displayName && decider.displayName !== decider.userId) return `${decider.displayName} (${decider.userId})`;
  return decider.userId ?? decider.displayName ?? "support";
}
