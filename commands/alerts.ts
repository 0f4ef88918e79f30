import { z } from "zod";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { formatUsd, parseAmount } from "../src/ledger/money.ts";
import { readBalances } from "../src/ledger/postEntries.ts";
import { totalOf } from "../src/ledger/types.ts";
import { textReply } from "../src/reply.ts";

/** Words that switch the alert off, in every language we ship. */
const OFF = new Set(["off", "none", "disable", "关闭", "关"]);
const MAX_THRESHOLD = 1_000_000n * 1_000_000n;

/**
 * `alerts` shows the low-balance alert; `alerts 20` sets its threshold to $20; `alerts off`
 * switches it off. Setting a threshold arms the alert only if the balance is at or above it,
 * so a balance already below does not trigger until it has been topped up and falls again.
 */
export default defineCommand({
  name: "alerts",
  audience: "customer",
  descriptionKey: "commands.alerts.description",
  options: [{ name: "threshold", kind: "string", required: false, descriptionKey: "commands.alerts.options.threshold" }],
  input: z.object({ threshold: optionalText(32) }),
  async handle(input, ctx) {
    const { t, services } = ctx;
    const account = await resolveAccount(services, ctx.caller);

    if (input.threshold === undefined) {
      const row = await services.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
      const balance = formatUsd(totalOf(await readBalances(services.prisma, account.id)));
      if (row.lowBalanceThreshold === null) return textReply(t("alerts.status_off", { balance }));
      const key = row.lowBalanceArmed ? "alerts.status_on" : "alerts.status_sent";
      return textReply(t(key, { threshold: formatUsd(row.lowBalanceThreshold), balance }));
    }

    if (OFF.has(input.threshold.toLowerCase())) {
      await services.prisma.account.update({ where: { id: account.id }, data: { lowBalanceThreshold: null, lowBalanceArmed: true } });
      return textReply(t("alerts.turned_off"));
    }

    const threshold = parseAmount(input.threshold, "threshold");
    if (threshold > MAX_THRESHOLD) throw new UserError("errors.threshold_too_large", { max: formatUsd(MAX_THRESHOLD) }, "threshold");
    const balance = await services.prisma.$transaction(async (tx) => {
      // The same lock a debit takes, so a concurrent debit sees either the old setting or the new one.
      await tx.$queryRaw`SELECT 1 FROM "accounts" WHERE "id" = ${account.id}::uuid FOR UPDATE`;
      const total = totalOf(await readBalances(tx, account.id));
      await tx.account.update({ where: { id: account.id }, data: { lowBalanceThreshold: threshold, lowBalanceArmed: total >= threshold } });
      return total;
    });
    const params = { threshold: formatUsd(threshold), balance: formatUsd(balance) };
    return textReply(t(balance >= threshold ? "alerts.set" : "alerts.set_below", params));
  },
});
