import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { printable } from "../../lib/printable.ts";
import type { Caller, CommandDefinition } from "../../core/command.ts";
import { dispatch, zodToFormErrors, type RawArgs, type Registry } from "../../core/dispatch.ts";
import { resolveLocale, translator, type Locale } from "../../i18n.ts";
import { deliverDue, type OutboxRenderer } from "../../notify/outbox.ts";
import type { ButtonSpec, FormField, FormSpec, Reply, UploadedFile } from "../../reply.ts";
import type { Services } from "../../services.ts";
import { expireOrders } from "../../topups/expireOrders.ts";
import { outboxRenderer } from "../../views/outbox.ts";
import { consoleDeliverer, type ConsoleHeading } from "./deliverer.ts";
import { checkFieldNow } from "./fieldChecks.ts";
import { renderInline, renderReply, type InlineStyle } from "./render.ts";

/** Where the console reads lines: a terminal prompt, or a script on standard input. */
export interface LineSource {
  next(prompt: string): Promise<string | null>;
}

export interface ConsoleOptions {
  /** Print each line read, as a transcript does (non-interactive mode). */
  echo: boolean;
  customer: string;
  support: string;
  locale?: Locale;
  /** Where files a reply attaches (charts) are written; a folder in the system's temp dir by default. */
  fileDir?: string;
  /** Draw **bold** with ANSI escapes: on a terminal only, and not under NO_COLOR (startConsole decides). */
  ansi?: boolean;
}

/** Answers a form refuses (a field's or the submission's) before it gives up. */
const FORM_ATTEMPTS = 3;

/** Words that are never a field's value: they steer the console. */
const CANCEL = /^\/cancel$/i;
const QUIT = /^\/(quit|exit)$/i;
/** Console commands, which wait until the form is answered or left. */
const META = /^\/(as|lang|wait|help)(\s|$)/i;

type FillOutcome = { kind: "filled"; values: RawArgs } | { kind: "left" };
type Answer = { value: unknown } | { error: string };

/**
 * The console surface: you type commands as a customer, switch to support with `/as support`,
 * click buttons by number and answer forms at prompts. Outbox messages (direct messages and the
 * support channel's cards) print as they are delivered.
 *
 * A form asks its fields one at a time and checks each answer as it comes (empty where required,
 * a choice that is not offered, a file that is not there, and the command's own zod schema for
 * that field), so a mistake is reported at its field and asked again, not after every other
 * prompt. `/cancel` leaves the form; `/quit` leaves the console, from a form too: neither is ever
 * taken as a value. After FORM_ATTEMPTS refused answers the form says it gives up.
 */
export class ConsoleSession {
  private role: "customer" | "support" = "customer";
  private user: string;
  private locale: Locale;
  private buttons: ButtonSpec[] = [];
  private clockOffsetMs = 0;
  private quitting = false;
  private readonly deliverer;
  private readonly render: OutboxRenderer;
  private readonly services: Services;

  constructor(
    services: Services,
    private readonly registry: Registry,
    private readonly source: LineSource,
    private readonly out: (text: string) => void,
    private readonly options: ConsoleOptions,
  ) {
    this.user = options.customer;
    this.locale = options.locale ?? "en";
    // `/wait` moves this session's clock only; the services object may be shared.
    this.services = { ...services, now: () => new Date(services.now().getTime() + this.clockOffsetMs) };
    this.deliverer = consoleDeliverer((heading, reply) => this.show(reply, this.heading(heading)));
    this.render = outboxRenderer(this.services);
  }

  async run(): Promise<void> {
    this.say(this.t("console.welcome", { customer: this.options.customer, support: this.options.support }));
    while (!this.quitting) {
      const line = await this.read(this.prompt());
      if (line === null) break;
      if (QUIT.test(line.trim())) break;
      await this.handle(line);
    }
  }

  async handle(rawLine: string): Promise<void> {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) return;
    try {
      if (line.startsWith("/")) await this.meta(line);
      else if (/^\d+$/.test(line)) await this.click(Number(line));
      else await this.command(line);
    } catch (err) {
      this.out(`! ${printable(err instanceof Error ? err.message : String(err), { keepNewlines: true })}`);
    }
    await this.flushOutbox();
  }

  private t(key: string, params?: Record<string, string | number>): string {
    return translator(this.locale)(key, params);
  }

  private style(): InlineStyle {
    return { ansi: this.options.ansi ?? false, locale: this.locale, now: () => this.services.now() };
  }

  /** Prints text with inline markup (locale strings, field labels), drawn for the terminal. */
  private say(text: string): void {
    this.out(renderInline(text, this.style()));
  }

  private prompt(): string {
    const role = this.role === "support" ? this.t("console.prompt_support") : this.t("console.prompt_customer");
    return `${role}:${printable(this.user)}> `;
  }

  private heading(kind: ConsoleHeading): string {
    switch (kind.kind) {
      case "dm":
        return renderInline(this.t("console.outbox.dm", { user: kind.userId }), this.style());
      case "support_card":
        return this.t("console.outbox.support_card");
      case "card_update":
        return this.t("console.outbox.card_update");
      case "note":
        return this.t("console.outbox.note");
    }
  }

  private caller(): Caller {
    return { platform: "console", workspaceId: "local", userId: this.user, displayName: this.user, locale: this.locale, isSupport: this.role === "support" };
  }

  private async read(prompt: string): Promise<string | null> {
    const line = await this.source.next(prompt);
    if (line !== null && this.options.echo) this.out(`${prompt}${printable(line)}`);
    return line;
  }

  private async meta(line: string): Promise<void> {
    const [verb, ...rest] = tokenize(line);
    if (verb === "/as" && (rest[0] === "support" || rest[0] === "customer")) {
      this.role = rest[0];
      this.user = rest[1] ?? (this.role === "support" ? this.options.support : this.options.customer);
      this.say(this.t(this.role === "support" ? "console.now_support" : "console.now_customer", { user: this.user }));
    } else if (verb === "/lang" && rest[0]) {
      this.locale = resolveLocale(rest[0]);
      this.say(this.t("console.language", { language: this.t(this.locale === "zh-CN" ? "console.language_name.zh_CN" : "console.language_name.en") }));
    } else if (verb === "/wait" && /^\d+$/.test(rest[0] ?? "")) {
      const minutes = Number(rest[0]);
      this.clockOffsetMs += minutes * 60_000;
      const expired = await expireOrders(this.services);
      this.say(
        this.t("console.waited", {
          time: this.plural(["console.minutes_passed.one", "console.minutes_passed.other"], minutes),
          orders: this.plural(["console.orders_expired.one", "console.orders_expired.other"], expired),
        }),
      );
    } else {
      this.say(this.t("console.meta_help"));
    }
  }

  private plural([one, other]: readonly [string, string], n: number): string {
    return this.t(new Intl.PluralRules(this.locale).select(n) === "one" ? one : other, { n });
  }

  private async command(line: string): Promise<void> {
    const [name, ...words] = tokenize(line.replace(/^\/?credits\s+/, ""));
    const definition = this.registry.find(name.toLowerCase());
    const args: RawArgs = {};
    let position = 0;
    for (const word of words) {
      const named = /^([A-Za-z]\w*)=(.*)$/s.exec(word);
      const option = named ? definition?.options.find((o) => o.name === named[1]) : definition?.options[position++];
      const value = named ? named[2] : word;
      const key = option?.name ?? (named ? named[1] : `arg${position}`);
      args[key] = option?.kind === "attachment" || value.startsWith("@") ? await this.loadFile(value.replace(/^@/, "")) : value;
    }
    await this.invoke(name.toLowerCase(), args);
  }

  private async click(n: number): Promise<void> {
    const button = this.buttons[n - 1];
    if (!button) {
      this.say(this.t("console.no_such_choice", { n }));
      return;
    }
    if (button.confirm) {
      const style = this.style();
      const answer = await this.read(`${renderInline(button.confirm.title, style)} ${renderInline(button.confirm.text, style)} (y/n) `);
      if (answer !== null && QUIT.test(answer.trim())) this.quitting = true;
      if (!answer || !/^y(es)?$/i.test(answer.trim())) return;
    }
    await this.invoke(button.command, { ...button.args });
  }

  /**
   * Runs a command and, while its answer is a form, fills and submits the form. A submission the
   * command refuses at some of the form's fields asks only those again, keeping the other answers
   * (a screenshot is not asked twice because the hash was wrong).
   */
  private async invoke(command: string, args: RawArgs): Promise<void> {
    let reply = await dispatch(this.registry, this.services, this.caller(), command, args);
    this.show(reply);
    // Refused answers per field: three on one field and the form gives up, as a modal's user would.
    const attempts = new Map<string, number>();
    let form = reply.form;
    let ask = form?.fields ?? [];
    let kept: RawArgs = {};
    // A form answered by a form is the next step (or the same form again); the bound only keeps a
    // command that always answers with a form from asking for ever.
    for (let round = 0; form && round < 10; round++) {
      const filled = await this.fill(form, ask, kept, attempts);
      if (filled.kind === "left") return;
      reply = await dispatch(this.registry, this.services, this.caller(), form.command, { ...form.args, ...filled.values });
      this.show(reply);
      if (reply.form) {
        form = reply.form;
        ask = form.fields;
        kept = {};
        continue;
      }
      const errors = reply.fieldErrors ?? {};
      const wrong = form.fields.filter((f) => errors[f.name] !== undefined);
      // An error about something the form does not ask (the order it is for) cannot be typed away.
      if (wrong.length === 0) return;
      const exhausted = wrong.find((f) => this.refused(attempts, f.name) >= FORM_ATTEMPTS);
      if (exhausted) {
        this.giveUp(form, exhausted);
        return;
      }
      kept = Object.fromEntries(Object.entries(filled.values).filter(([name]) => !wrong.some((f) => f.name === name)));
      ask = wrong;
    }
  }

  private async fill(form: FormSpec, ask: readonly FormField[], kept: RawArgs, attempts: Map<string, number>): Promise<FillOutcome> {
    this.say(`-- ${form.title} -- ${this.t("console.form.controls")}`);
    const definition = this.registry.find(form.command);
    const values: RawArgs = { ...kept };
    for (const field of ask) {
      const style = this.style();
      if (field.kind === "select") {
        field.options.forEach((o, i) => this.say(`  ${i + 1}) ${code(o.value)} — ${o.label}${o.description ? ` (${o.description})` : ""}`));
      }
      if (field.hint) this.say(`  ${field.hint}`);
      const fileHint = field.kind === "file" ? ` (${this.t("console.form.file_hint")})` : "";
      const initial = field.kind !== "file" && field.initial ? ` [${printable(field.initial)}]` : "";
      const prompt = `${renderInline(field.label, style)}${renderInline(fileHint, style)}${initial}: `;
      for (;;) {
        const line = await this.read(prompt);
        if (line === null) return { kind: "left" };
        const text = line.trim();
        if (QUIT.test(text)) {
          this.quitting = true;
          return { kind: "left" };
        }
        if (CANCEL.test(text)) {
          this.say(this.t("console.form.cancelled"));
          return { kind: "left" };
        }
        // `/as support` typed here meant the console, not a file called "/as support"; an
        // absolute path (/tmp/receipt.png) is still an answer.
        if (META.test(text)) {
          this.say(this.t("console.form.meta_in_form"));
          continue;
        }
        const answer = await this.answer(definition, form, field, text, values);
        if ("value" in answer) {
          if (answer.value !== undefined) values[field.name] = answer.value;
          else delete values[field.name];
          break;
        }
        this.say(`⚠️ ${answer.error}`);
        if (this.refused(attempts, field.name) >= FORM_ATTEMPTS) {
          this.giveUp(form, field);
          return { kind: "left" };
        }
      }
    }
    return { kind: "filled", values };
  }

  private refused(attempts: Map<string, number>, field: string): number {
    const n = (attempts.get(field) ?? 0) + 1;
    attempts.set(field, n);
    return n;
  }

  /** Says the form is closed, and the line that opens it again (`proof CD-000001`). */
  private giveUp(form: FormSpec, field: FormField): void {
    const definition = this.registry.find(form.command);
    const words = [form.command];
    let positional = true;
    for (const option of definition?.options ?? []) {
      const value = form.args[option.name];
      if (typeof value !== "string" || !value) {
        positional = false;
        continue;
      }
      const quoted = /\s/.test(value) ? `"${value}"` : value;
      words.push(positional ? quoted : `${option.name}=${quoted}`);
    }
    const label = renderInline(field.label, { ...this.style(), ansi: false });
    this.say(`⚠️ ${this.t("console.form.gave_up", { tries: FORM_ATTEMPTS, field: label, again: code(words.join(" ")) })}`);
  }

  /** One typed answer, checked at once: the value to submit (undefined: left empty), or what is wrong with it. */
  private async answer(definition: CommandDefinition | undefined, form: FormSpec, field: FormField, text: string, soFar: RawArgs): Promise<Answer> {
    const label = renderInline(field.label, { ...this.style(), ansi: false });
    if (!text) {
      if (field.kind !== "file" && field.initial) return { value: field.initial };
      if (field.required) return { error: this.t("console.form.required", { field: label }) };
      return { value: undefined };
    }
    let value: unknown = text;
    if (field.kind === "file") {
      const file = await this.loadFile(text.replace(/^@/, ""), false);
      if (!file) return { error: this.t("console.file_not_found", { file: text }) };
      value = file;
    } else if (field.kind === "select") {
      const byNumber = /^\d+$/.test(text) ? field.options[Number(text) - 1] : undefined;
      const byValue = field.options.find((o) => o.value.toLowerCase() === text.toLowerCase());
      const chosen = byNumber ?? byValue;
      if (!chosen) return { error: this.t("console.form.choose", { count: field.options.length, values: field.options.map((o) => o.value).join(", ") }) };
      value = chosen.value;
    }
    const issue = fieldIssue(definition, field.name, value, { ...form.args, ...soFar }) ?? (await checkFieldNow(this.services, this.caller(), form.command, field.name, { ...form.args, ...soFar }, value));
    if (issue) return { error: this.t(issue.key, { ...issue.params, field: label }) };
    return { value };
  }

  private show(reply: Reply, heading?: string): void {
    const rendered = renderReply(reply, 1, (file) => this.saveFile(file), this.style());
    if (rendered.buttons.length) this.buttons = rendered.buttons;
    if (reply.form && !rendered.text) return;
    this.out(heading ? `${heading}\n${indent(rendered.text)}` : rendered.text);
  }

  /**
   * A terminal shows no pictures: the file goes to disk and its path is printed. Each gets a name
   * of its own, so an earlier chart is never overwritten.
   */
  private saveFile(file: { name: string; bytes: Uint8Array }): string {
    const dir = this.options.fileDir ?? path.join(tmpdir(), "credit-desk");
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, `${Date.now()}-${randomBytes(3).toString("hex")}-${path.basename(file.name)}`);
    writeFileSync(target, file.bytes);
    return target;
  }

  /** A file named on a command line; a missing one is reported and left out (the core asks for it). */
  private async loadFile(file: string, report = true): Promise<UploadedFile | undefined> {
    try {
      const bytes = await readFile(path.resolve(file));
      return { name: path.basename(file), bytes: new Uint8Array(bytes) };
    } catch {
      if (report) this.say(this.t("console.file_not_found", { file }));
      return undefined;
    }
  }

  async flushOutbox(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const handled = await deliverDue({ prisma: this.services.prisma, deliverers: { console: this.deliverer }, render: this.render, log: this.services.log });
      if (handled === 0) return;
    }
  }
}

/** A value shown as one to type exactly. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/**
 * What the command's own input schema says of one field's answer, before the rest is asked: the
 * field's schema when the input is a z.object, then the whole input with what is entered so far
 * (which catches object-level checks that name the field). Issues about fields not asked yet are
 * not this answer's. Anything the schema cannot judge alone is left to the submission.
 */
function fieldIssue(definition: CommandDefinition | undefined, name: string, value: unknown, soFar: RawArgs): { key: string; params?: Record<string, string | number> } | undefined {
  if (!definition) return undefined;
  const shape = (definition.input as { shape?: unknown }).shape;
  const own = shape && typeof shape === "object" ? (shape as Record<string, unknown>)[name] : undefined;
  if (own && typeof (own as { safeParse?: unknown }).safeParse === "function") {
    const result = (own as CommandDefinition["input"]).safeParse(value);
    if (!result.success) return Object.values(zodToFormErrors(result.error).fields)[0];
  }
  const whole = definition.input.safeParse({ ...soFar, [name]: value });
  if (whole.success) return undefined;
  const mine = whole.error.issues.filter((i) => i.path[0] === name);
  if (mine.length === 0) return undefined;
  return zodToFormErrors(new z.ZodError(mine)).fields[name];
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `   ${l}`)
    .join("\n");
}

/** Splits a line into words; quotes keep spaces ("wrong network, see note"). */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

