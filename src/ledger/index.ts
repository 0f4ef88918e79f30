export * from "./types.ts";
export * from "./money.ts";
export * from "./spending.ts";
export * from "./postEntries.ts";
export * from "./postUsageBatch.ts";
export * from "./grantTrialStage.ts";
export * from "./reconcile.ts";
export * from "./spendSince.ts";
