import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Caller } from "../../core/command.ts";
import { dispatch, type RawArgs, type Registry } from "../../core/dispatch.ts";
import { resolveLocale, translator, type Locale } from "../../i18n.ts";
import { deliverDue, type OutboxRenderer } from "../../notify/outbox.ts";
import type { ButtonSpec, FormSpec, Reply, UploadedFile } from "../../reply.ts";
import type { Services } from "../../services.ts";
import { expireOrders } from "../../topups/expireOrders.ts";
import { outboxRenderer } from "../../views/outbox.ts";
import { consoleDeliverer } from "./deliverer.ts";
import { renderReply } from "./render.ts";

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
}

const FORM_ATTEMPTS = 3;

/**
 * The console surface: you type commands as a customer, switch to support with `/as support`,
 * click buttons by number and answer forms at prompts. Outbox messages (direct messages and the
 * support channel's cards) print as they are delivered.
 */
export class ConsoleSession {
  private role: "customer" | "support" = "customer";
  private user: string;
  private locale: Locale;
  private buttons: ButtonSpec[] = [];
  private clockOffsetMs = 0;
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
    this.deliverer = consoleDeliverer((heading, reply) => this.show(reply, heading));
    this.render = outboxRenderer(this.services);
  }

  async run(): Promise<void> {
    this.out(this.t("console.welcome", { customer: this.options.customer, support: this.options.support }));
    for (;;) {
      const line = await this.read(`${this.role}:${this.user}> `);
      if (line === null) break;
      if (line.trim() === "/quit" || line.trim() === "/exit") break;
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
      this.out(`! ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.flushOutbox();
  }

  private t(key: string, params?: Record<string, string | number>): string {
    return translator(this.locale)(key, params);
  }

  private caller(): Caller {
    return { platform: "console", workspaceId: "local", userId: this.user, displayName: this.user, locale: this.locale, isSupport: this.role === "support" };
  }

  private async read(prompt: string): Promise<string | null> {
    const line = await this.source.next(prompt);
    if (line !== null && this.options.echo) this.out(`${prompt}${line}`);
    return line;
  }

  private async meta(line: string): Promise<void> {
    const [verb, ...rest] = tokenize(line);
    if (verb === "/as" && (rest[0] === "support" || rest[0] === "customer")) {
      this.role = rest[0];
      this.user = rest[1] ?? (this.role === "support" ? this.options.support : this.options.customer);
      this.out(this.t("console.now_as", { role: this.role, user: this.user }));
    } else if (verb === "/lang" && rest[0]) {
      this.locale = resolveLocale(rest[0]);
      this.out(this.t("console.language", { locale: this.locale }));
    } else if (verb === "/wait" && /^\d+$/.test(rest[0] ?? "")) {
      this.clockOffsetMs += Number(rest[0]) * 60_000;
      const expired = await expireOrders(this.services);
      this.out(this.t("console.waited", { minutes: rest[0], expired }));
    } else {
      this.out(this.t("console.meta_help"));
    }
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
      this.out(this.t("console.no_such_choice", { n }));
      return;
    }
    if (button.confirm) {
      const answer = await this.read(`${button.confirm.title} ${button.confirm.text} (y/n) `);
      if (!answer || !/^y(es)?$/i.test(answer.trim())) return;
    }
    await this.invoke(button.command, { ...button.args });
  }

  private async invoke(command: string, args: RawArgs): Promise<void> {
    let reply = await dispatch(this.registry, this.services, this.caller(), command, args);
    this.show(reply);
    for (let attempt = 0; reply.form && attempt < FORM_ATTEMPTS; attempt++) {
      const form: FormSpec = reply.form;
      const values = await this.fill(form);
      if (values === null) return;
      reply = await dispatch(this.registry, this.services, this.caller(), form.command, { ...form.args, ...values });
      this.show(reply);
      if (reply.fieldErrors) reply = { ...reply, form };
    }
  }

  private async fill(form: FormSpec): Promise<RawArgs | null> {
    this.out(`-- ${form.title} --`);
    const values: RawArgs = {};
    for (const field of form.fields) {
      if (field.kind === "select") {
        field.options.forEach((o, i) => this.out(`  ${i + 1}) ${o.value} — ${o.label}${o.description ? ` (${o.description})` : ""}`));
      }
      const hint = field.kind === "file" ? " (path to a file)" : "";
      const line = await this.read(`${field.label}${hint}: `);
      if (line === null) return null;
      const text = line.trim();
      if (!text) continue;
      if (field.kind === "file") values[field.name] = await this.loadFile(text.replace(/^@/, ""));
      else if (field.kind === "select" && /^\d+$/.test(text) && field.options[Number(text) - 1]) values[field.name] = field.options[Number(text) - 1].value;
      else values[field.name] = text;
    }
    return values;
  }

  private show(reply: Reply, heading?: string): void {
    const rendered = renderReply(reply, 1, (file) => this.saveFile(file));
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

  /** A file named at the prompt; a missing one is reported and left out (the core asks for it). */
  private async loadFile(file: string): Promise<UploadedFile | undefined> {
    try {
      const bytes = await readFile(path.resolve(file));
      return { name: path.basename(file), bytes: new Uint8Array(bytes) };
    } catch {
      this.out(this.t("console.file_not_found", { file }));
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

