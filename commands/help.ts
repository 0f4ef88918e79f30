import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import type { Block } from "../src/reply.ts";
import type { CommandContext } from "../src/core/command.ts";

/** The questions of the seeds' FAQ that the bot answers (texts in locales/…/help.json). */
export const HELP_TOPICS = ["balance_missing", "failed_topup", "pricing", "insufficient_balance", "refunds"] as const;

export default defineCommand({
  name: "help",
  audience: "customer",
  descriptionKey: "commands.help.description",
  options: [
    {
      name: "topic",
      kind: "string",
      required: false,
      descriptionKey: "commands.help.options.topic",
      choices: () => HELP_TOPICS.map((topic) => ({ value: topic, label: topic })),
    },
  ],
  input: z.object({ topic: optionalText(40) }),
  async handle(input, ctx) {
    const { t } = ctx;
    if (input.topic) {
      const topic = HELP_TOPICS.find((name) => name === input.topic!.toLowerCase());
      if (!topic) return { blocks: [{ type: "text", text: t("help.unknown_topic", { topics: HELP_TOPICS.join(", ") }) }], private: true, error: true };
      const text = t(`help.faq.${topic}.answer`);
      return { blocks: [{ type: "header", text: t(`help.faq.${topic}.question`) }, { type: "text", text }], private: true, summary: text };
    }
    const blocks: Block[] = [
      { type: "header", text: t("help.title") },
      { type: "text", text: helpCommandList(ctx) },
      { type: "text", text: [t("help.faq_title"), ...HELP_TOPICS.map((topic) => `• \`${topic}\` — ${t(`help.faq.${topic}.question`)}`)].join("\n") },
      { type: "context", text: t("help.contact") },
    ];
    return { blocks, private: true, summary: t("help.title") };
  },
});

/**
 * One line per command the caller may use, with its usage. Support's commands come last under
 * their own heading, which names where to type them: on Slack and Discord they live under the
 * support command (SLACK_ADMIN_COMMAND, DISCORD_ADMIN_COMMAND), which customers never see.
 */
function helpCommandList(ctx: CommandContext): string {
  const line = (c: CommandContext["commands"][number]) => {
    const usage = c.options.map((o) => (o.required ? `<${o.name}>` : `[${o.name}]`)).join(" ");
    return `• \`${c.name}${usage ? " " + usage : ""}\` — ${ctx.t(c.descriptionKey)}`;
  };
  const customer = ctx.commands.filter((c) => c.audience === "customer").map(line);
  if (!ctx.caller.isSupport) return customer.join("\n");
  const admin = supportCommandOf(ctx);
  const heading = admin ? ctx.t("help.support_under", { command: admin }) : ctx.t("help.support_title");
  return [...customer, "", `**${heading}**`, ...ctx.commands.filter((c) => c.audience === "support").map(line)].join("\n");
}

/** Where support types its commands on the caller's surface; none on the console. */
function supportCommandOf(ctx: CommandContext): string | null {
  const { env } = ctx.services;
  if (ctx.caller.platform === "slack") return env.SLACK_ADMIN_COMMAND;
  if (ctx.caller.platform === "discord") return `/${env.DISCORD_ADMIN_COMMAND}`;
  return null;
}
