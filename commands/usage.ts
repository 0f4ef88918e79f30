import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { estimateRunway } from "../src/usage/runway.ts";
import { MAX_USAGE_DAYS, MIN_USAGE_DAYS, summarizeUsage } from "../src/usage/summarizeUsage.ts";
import { usageView } from "../src/views/usageView.ts";

export const DEFAULT_USAGE_DAYS = 30;

/** A whole number of days in MIN_USAGE_DAYS..MAX_USAGE_DAYS, or a UserError on the `days` field. */
export function parseUsageDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_USAGE_DAYS;
  const days = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(days >= MIN_USAGE_DAYS && days <= MAX_USAGE_DAYS)) {
    throw new UserError("usage_view.errors.days", { min: MIN_USAGE_DAYS, max: MAX_USAGE_DAYS }, "days");
  }
  return days;
}

/**
 * `usage [days]`: spend by day, by model, by API token and token group (when the gateway reports
 * them), a chart of it, and the runway at the last 7 days' spend. The chart costs some CPU to
 * draw, hence the rate limit.
 */
export default defineCommand({
  name: "usage",
  audience: "customer",
  descriptionKey: "usage_view.command.description",
  rateLimit: { max: 30, windowSeconds: 600 },
  options: [{ name: "days", kind: "string", required: false, descriptionKey: "usage_view.command.options.days" }],
  input: z.object({ days: optionalText(64) }),
  async handle(input, ctx) {
    // Checked before the account is looked up: a bad number writes nothing, not even a new account.
    const days = parseUsageDays(input.days);
    const { services } = ctx;
    const account = await resolveAccount(services, ctx.caller);
    const now = services.now();
    const summary = await summarizeUsage(services.prisma, account.id, days, now);
    const runway = await estimateRunway(services.prisma, account.id, summary.balance, now);
    return usageView(ctx.t, { summary, days, runway });
  },
});
