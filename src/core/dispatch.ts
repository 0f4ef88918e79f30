import type { z } from "zod";
import { recordAudit } from "../audit/recordAudit.ts";
import { FormErrors, UserError } from "../errors.ts";
import { consumeUserRate } from "../limits/userRate.ts";
import { translator, type Translator } from "../i18n.ts";
import type { Reply } from "../reply.ts";
import type { Services } from "../services.ts";
import type { Caller, CommandContext, CommandDefinition } from "./command.ts";
import { internalErrorReply } from "./internalError.ts";
import { storable, unreadableArgument } from "./unreadable.ts";

export interface Registry {
  commands: readonly CommandDefinition[];
  find(name: string): CommandDefinition | undefined;
}

export function createRegistry(commands: readonly CommandDefinition[]): Registry {
  const byName = new Map(commands.map((c) => [c.name, c]));
  if (byName.size !== commands.length) throw new Error("two commands share a name");
  return { commands, find: (name) => byName.get(name) };
}

/** The raw arguments an adapter collected: strings, or files it has already downloaded. */
export type RawArgs = Record<string, unknown>;

/**
 * Runs one command for one caller. This is the single place where user errors become a reply:
 * every surface gets the same localized message, with per-field errors for forms.
 */
export async function dispatch(
  registry: Registry,
  services: Services,
  caller: Caller,
  command: string,
  args: RawArgs,
): Promise<Reply> {
  const t = translator(caller.locale);
  const definition = registry.find(command);
  if (!definition) return errorReply(t, new UserError("errors.unknown_command", { name: command.slice(0, 40) }));
  if (definition.audience === "support" && !caller.isSupport) {
    await refuseNonSupport(services, caller, definition, args);
    return errorReply(t, new UserError("errors.not_support"));
  }

  const unreadable = unreadableArgument(args);
  if (unreadable) return errorReply(t, new FormErrors({ [unreadable]: { key: "errors.unreadable_characters", params: { field: unreadable } } }));

  if (definition.rateLimit) {
    const key = `${definition.name}:${caller.platform}:${caller.workspaceId}:${caller.userId}`;
    const verdict = await consumeUserRate(services.prisma, key, definition.rateLimit, services.now());
    if (!verdict.allowed) return errorReply(t, new UserError("errors.rate_limited", { minutes: Math.ceil(verdict.retryAfterSeconds / 60) }));
  }

  const parsed = definition.input.safeParse(args);
  if (!parsed.success) return errorReply(t, zodToFormErrors(parsed.error));

  const ctx: CommandContext = { services, commands: registry.commands, caller, locale: caller.locale, t };
  try {
    return await definition.handle(parsed.data, ctx);
  } catch (err) {
    if (err instanceof UserError) return errorReply(t, err);
    return internalErrorReply(services.log, err, caller.locale, { command, platform: caller.platform });
  }
}

/**
 * Rights are enforced here, once, for every surface: a support command run by anyone else changes
 * nothing, and the attempt is recorded with who tried and what they named.
 */
async function refuseNonSupport(services: Services, caller: Caller, definition: CommandDefinition, args: RawArgs): Promise<void> {
  const named = Object.fromEntries(Object.entries(args).flatMap(([k, v]) => (typeof v === "string" ? [[k, storable(v.slice(0, 120))]] : [])));
  await recordAudit(services.prisma, {
    actorType: "customer",
    actorId: caller.userId,
    platform: caller.platform,
    action: definition.auditAction ?? `command.${definition.name}`,
    outcome: "refused:not_support",
    detail: named,
  });
}

/** Zod messages in our schemas are locale keys ("errors.tx_hash_format"); others mean "invalid". */
export function zodToFormErrors(error: z.ZodError): FormErrors {
  const fields: Record<string, { key: string; params?: Record<string, string | number> }> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "input");
    if (fields[field]) continue;
    const missing = issue.code === "invalid_type" && (issue as { input?: unknown }).input === undefined;
    const key = issue.message.startsWith("errors.") ? issue.message : missing ? "errors.required" : "errors.invalid_field";
    fields[field] = { key, params: { field } };
  }
  return new FormErrors(fields);
}

export function errorReply(t: Translator, err: UserError): Reply {
  const text = t(err.key, err.params);
  const reply: Reply = { blocks: [{ type: "text", text: `⚠️ ${text}` }], private: true, summary: text, error: true };
  if (err instanceof FormErrors) {
    reply.fieldErrors = Object.fromEntries(Object.entries(err.fields).map(([name, e]) => [name, t(e.key, e.params)]));
    const lines = Object.values(reply.fieldErrors);
    reply.blocks = [{ type: "text", text: `⚠️ ${lines.join("\n⚠️ ")}` }];
    reply.summary = lines.join("; ");
  } else if (err.field) {
    reply.fieldErrors = { [err.field]: text };
  }
  return reply;
}
