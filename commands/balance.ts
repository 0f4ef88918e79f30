import { z } from "zod";
import { accountSummary, balanceFields } from "../src/accounts/accountSummary.ts";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand } from "../src/core/command.ts";
import { queryDirect } from "../src/db/sqlQuery.ts";
import { timeToken } from "../src/core/markup.ts";
import { formatUsd } from "../src/ledger/money.ts";
import type { Block } from "../src/reply.ts";
import { runwayOf, runwayWindowStart } from "../src/usage/runway.ts";
import { runwayText } from "../src/views/usageView.ts";

export default defineCommand({
  name: "balance",
  audience: "customer",
  descriptionKey: "commands.balance.description",
  options: [],
  input: z.object({}),
  async handle(_input, ctx) {
    const { t } = ctx;
    const account = await resolveAccount(ctx.services, ctx.caller);
    const summary = await accountSummary(queryDirect(ctx.services.db.driver), account.id, { spendSince: runwayWindowStart(ctx.services.now()) });
    const runway = runwayOf(summary.balance, summary.spentSince ?? 0n);
    const blocks: Block[] = [
      { type: "header", text: t("balance.title") },
      {
        type: "fields",
        fields: [
          ...balanceFields(summary, t),
          { label: t("usage_view.fields.runway"), value: runwayText(t, runway) },
          { label: t("balance.account_id"), value: account.id },
        ],
      },
    ];
    if (summary.recentEntries.length > 0) {
      blocks.push({
        type: "text",
        text: [
          t("balance.recent"),
          ...summary.recentEntries.map((e) =>
            t("balance.entry_line", { time: timeToken(e.createdAt), type: t(`ledger.type.${e.type}`), amount: formatUsd(e.amount), after: formatUsd(e.balanceAfter) }),
          ),
        ].join("\n"),
      });
    }
    blocks.push({
      type: "buttons",
      buttons: [
        { label: t("balance.topup"), style: "primary", command: "topup", args: {} },
        { label: t("usage_view.button"), command: "usage", args: {} },
      ],
    });
    return { blocks, private: true, summary: `${t("balance.current")}: ${formatUsd(summary.balance)}` };
  },
});
