import type { z } from "zod";
import type { Locale, Translator } from "../i18n.ts";
import type { Reply } from "../reply.ts";
import type { UserRateLimit } from "../limits/userRate.ts";
import type { Services } from "../services.ts";

export type { Platform } from "../reply.ts";
import type { Platform } from "../reply.ts";

/** Who is asking, as the adapter established it from a verified platform request. */
export interface Caller {
  platform: Platform;
  /**
   * Where the user id is unique: on Slack the Enterprise Grid organization id (E…) for members of
   * one, else the user's own team id; "discord" on Discord (its user ids are global); "local" on
   * the console.
   */
  workspaceId: string;
  userId: string;
  displayName?: string;
  locale: Locale;
  /** Decided by the adapter from its platform's support configuration, on every request. */
  isSupport: boolean;
}

export interface CommandContext {
  services: Services;
  /** Every command, for the ones that list the others (help). */
  commands: readonly CommandDefinition[];
  caller: Caller;
  locale: Locale;
  t: Translator;
}

/** How an option is declared to a platform (Discord option types, console positional order). */
export interface OptionSpec {
  name: string;
  kind: "string" | "number" | "attachment";
  required: boolean;
  /** Key in locales/ of the option's description. */
  descriptionKey: string;
  /** Fixed choices, when the platform can offer them. */
  choices?: (services: Services, locale: Locale) => { value: string; label: string }[];
}

export interface CommandDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Who may run it: dispatch refuses a support command to anyone else, and records the refusal. */
  audience: "customer" | "support";
  /** What the audit log calls this command's attempts ("topup.confirm"); `command.<name>` by default. */
  auditAction?: string;
  /** How often one user may run it; dispatch counts every attempt and refuses past the limit. */
  rateLimit?: UserRateLimit;
  /** Key in locales/ of the one-line description (each locale has its own text). */
  descriptionKey: string;
  /** In the order a text surface takes them positionally: `/credits topup trc20 10`. */
  options: OptionSpec[];
  input: S;
  handle(input: z.output<S>, ctx: CommandContext): Promise<Reply>;
}

/** Keeps each command's input type tied to its handler. */
export function defineCommand<S extends z.ZodType>(definition: CommandDefinition<S>): CommandDefinition<S> {
  return definition;
}
