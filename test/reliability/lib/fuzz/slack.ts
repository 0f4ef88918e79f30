import fc from "fast-check";
import type { Caller } from "../../../../src/core/command.ts";
import type { Registry } from "../../../../src/core/dispatch.ts";
import { parseCommandText } from "../../../../src/platforms/slack/commandText.ts";
import {
  blockActionsPayload,
  interactionBody,
  postSigned,
  slashCommandBody,
  textOf as slackTextOf,
  viewSubmissionPayload,
  type AppResponse,
  type SlackStandIn,
} from "../../../standins/slack.ts";
import { asCommandLine, badFileBytes, commandInputs, junkLine, mayWrite, rawLine, RAW_LINE, sample, type CommandInput, type FuzzWorld } from "./inputs.ts";
import { EntranceStats, isInternalError } from "./oracle.ts";
import { pool, until } from "./pool.ts";

/**
 * The Slack entrance, through Bolt's real HTTP receiver on the web process's server, with real
 * signatures: slash commands (`/credits <text>`), view submissions of forms (private_metadata
 * naming the command, state values as Slack reports them, files through file_input), button
 * clicks, and requests that are forged, replayed or malformed. Each answer is awaited where Slack
 * would show it (the HTTP acknowledgement, the response_url, a modal, a direct message).
 */

export interface SlackFuzzOptions {
  events: string;
  standIn: SlackStandIn;
  signingSecret: string;
  registry: Registry;
  world: FuzzWorld;
  customers: Caller[];
  support: Caller;
  count: number;
  seed: number;
  concurrency?: number;
}

export interface SlackFuzzStats {
  slash: EntranceStats;
  forged: EntranceStats;
  views: EntranceStats;
  actions: EntranceStats;
}

type SlackInput =
  | { kind: "slash"; user: Caller; text: string }
  | { kind: "forged"; variant: string; text: string }
  | { kind: "view"; user: Caller; metadata: string; values: Record<string, unknown>; withResponseUrl: boolean; command: CommandInput | null }
  | { kind: "action"; user: Caller; value: string; actionId: string };

const ANSWER_MS = 12_000;

export async function fuzzSlack(options: SlackFuzzOptions, stats: SlackFuzzStats): Promise<void> {
  const { standIn, registry, world } = options;
  const inputs = buildInputs(options);
  const forgedUrls: string[] = [];
  const files = sample(badFileBytes(2048), 10, options.seed).map((f, i) => standIn.addFile({ name: f.name, mimetype: f.type, bytes: f.bytes, user: options.customers[i % options.customers.length].userId }));

  await pool(inputs, options.concurrency ?? 6, async (input) => {
    switch (input.kind) {
      case "slash":
        return slash(input.user, input.text);
      case "forged":
        return forged(input.variant, input.text);
      case "view":
        return view(input);
      case "action":
        return action(input);
    }
  });

  // A forged request must never be answered: nothing may have reached its response_url.
  await new Promise((r) => setTimeout(r, 500));
  for (const url of forgedUrls) {
    if (standIn.responsesTo(url).length) stats.forged.crash(url, "a forged or replayed request was run and answered");
  }

  async function slash(user: Caller, text: string) {
    const s = stats.slash;
    s.inputs += 1;
    const responseUrl = standIn.newResponseUrl("commands");
    const triggerId = standIn.issueTrigger();
    const body = slashCommandBody({ teamId: standIn.teamId, user: { id: user.userId, name: user.displayName }, command: "/credits", text, responseUrl, triggerId, channelId: "C0GENERAL01" });
    const shown = `/credits ${JSON.stringify(text)} by ${user.userId}`;
    let response: AppResponse;
    try {
      response = await postSigned(options.events, body, { signingSecret: options.signingSecret, timeoutMs: 15_000 });
    } catch (err) {
      return s.crash(shown, `no acknowledgement: ${String(err)}`);
    }
    if (response.status !== 200) return s.crash(shown, `acknowledged with HTTP ${response.status}: ${response.text.slice(0, 200)}`);
    const answer = await answerOf(responseUrl, triggerId, user.userId);
    judge(s, shown, text, answer);
  }

  /** Where the answer to a request shows up: its response_url, a modal it opened, or a direct message. */
  async function answerOf(responseUrl: string | undefined, triggerId: string | undefined, userId: string, since = Date.now()): Promise<{ kind: string; text: string } | undefined> {
    return until(() => {
      const posted = responseUrl ? standIn.responsesTo(responseUrl)[0] : undefined;
      if (posted) return { kind: "response_url", text: JSON.stringify(posted.body) + slackTextOf(posted.body.blocks as never, posted.body.text as string) };
      const opened = triggerId ? standIn.calls.find((c) => (c.method === "views.open" || c.method === "views.push") && c.args.trigger_id === triggerId) : undefined;
      if (opened) return { kind: `${opened.method} ${opened.response.ok ? "ok" : String(opened.response.error)}`, text: JSON.stringify(opened.args.view ?? {}) };
      const dm = standIn.messages.find((m) => m.channel === standIn.dmChannelOf(userId) && Number(m.ts.split(".")[0]) * 1000 >= since - 1000);
      if (dm) return { kind: "direct message", text: slackTextOf(dm.blocks, dm.text) };
      return undefined;
    }, ANSWER_MS);
  }

  function judge(s: EntranceStats, shown: string, typed: string, answer: { kind: string; text: string } | undefined) {
    if (!answer) {
      s.unanswered.push({ input: shown, what: `no answer within ${ANSWER_MS / 1000} s (response_url, modal or DM)` });
      s.count("no answer");
      return;
    }
    s.count(answer.kind);
    if (isInternalError(answer.text, typed)) return s.crash(shown, `internal error (${answer.kind}): ${answer.text.slice(0, 400)}`);
    s.answered += 1;
  }

  async function forged(variant: string, text: string) {
    const s = stats.forged;
    s.inputs += 1;
    const user = options.customers[0];
    const responseUrl = standIn.newResponseUrl("commands");
    forgedUrls.push(responseUrl);
    const body = slashCommandBody({ teamId: standIn.teamId, user: { id: user.userId }, command: "/credits", text, responseUrl, triggerId: standIn.issueTrigger() });
    const now = Math.floor(Date.now() / 1000);
    const sign = { signingSecret: options.signingSecret };
    let res: AppResponse | undefined;
    try {
      switch (variant) {
        case "wrong secret":
          res = await postSigned(options.events, body, { signingSecret: "0".repeat(32) });
          break;
        case "replayed (6 minutes old)":
          res = await postSigned(options.events, body, { ...sign, timestampSeconds: now - 360 });
          break;
        case "signature of another body":
          res = await postSigned(options.events, body, { ...sign, signature: `v0=${"ab".repeat(32)}` });
          break;
        case "garbage signature":
          res = await postSigned(options.events, body, { ...sign, signature: text.slice(0, 200).replace(/[^\x20-\x7e]/g, "") || "v1=" });
          break;
        case "unsigned": {
          const r = await fetch(options.events, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
          res = { status: r.status, text: await r.text(), ms: 0 };
          break;
        }
        case "timestamp not a number": {
          const r = await fetch(options.events, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": "abc", "x-slack-signature": "v0=00" }, body });
          res = { status: r.status, text: await r.text(), ms: 0 };
          break;
        }
        case "signed junk body":
          res = await postSigned(options.events, text, sign);
          break;
        case "signed junk JSON body":
          res = await postSigned(options.events, JSON.stringify({ type: text }), { ...sign, contentType: "application/json" });
          break;
        case "signed payload that is not JSON":
          res = await postSigned(options.events, new URLSearchParams({ payload: text }).toString(), sign);
          break;
        case "signed interaction of an unknown type":
          res = await postSigned(options.events, interactionBody({ type: text.slice(0, 40), user: { id: user.userId }, team: { id: standIn.teamId } }), sign);
          break;
        default:
          res = await postSigned(options.events, body, sign);
      }
    } catch (err) {
      return s.crash(`${variant}: ${JSON.stringify(text.slice(0, 100))}`, `no answer: ${String(err)}`);
    }
    s.count(String(res.status));
    if (res.status >= 500) return s.crash(`${variant}: ${JSON.stringify(text.slice(0, 100))}`, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    if (variant.startsWith("signed")) {
      // Signed but meaningless: acknowledged or refused, never a crash.
      s.answered += 1;
      return;
    }
    if (res.status !== 401 && res.status !== 403) return s.crash(`${variant}: ${JSON.stringify(text.slice(0, 100))}`, `a forged request got HTTP ${res.status}`);
    s.answered += 1;
  }

  async function view(input: Extract<SlackInput, { kind: "view" }>) {
    const s = stats.views;
    s.inputs += 1;
    const responseUrl = input.withResponseUrl ? standIn.newResponseUrl("commands") : undefined;
    let metadata = input.metadata;
    if (responseUrl && input.command) metadata = JSON.stringify({ c: input.command.command, a: input.command.args, r: responseUrl, ch: "C0GENERAL01" });
    const state: Record<string, Record<string, unknown>> = {};
    const blocks: Record<string, unknown>[] = [];
    for (const [field, value] of Object.entries(input.values)) {
      let v = value as Record<string, unknown>;
      if (v && v.type === "file_input" && typeof v.files === "number") v = { type: "file_input", files: [files[v.files % files.length]] };
      state[`f_${field}`] = { [field]: v };
      blocks.push({ type: "input", block_id: `f_${field}`, label: { type: "plain_text", text: field }, element: { type: String(v?.type ?? "plain_text_input"), action_id: field } });
    }
    const payload = viewSubmissionPayload({
      teamId: standIn.teamId,
      user: { id: input.user.userId, name: input.user.displayName },
      viewId: `VFUZZ${Math.floor(Math.random() * 1e9)}`,
      view: { type: "modal", callback_id: "cd_form", private_metadata: metadata, blocks, title: { type: "plain_text", text: "Form" } },
      values: state as never,
      triggerId: standIn.issueTrigger(),
    });
    const shown = `view_submission by ${input.user.userId}: metadata ${JSON.stringify(metadata.slice(0, 300))}, values ${JSON.stringify(input.values).slice(0, 400)}`;
    const since = Date.now();
    let res: AppResponse;
    try {
      res = await postSigned(options.events, interactionBody(payload), { signingSecret: options.signingSecret, timeoutMs: 15_000 });
    } catch (err) {
      return s.crash(shown, `no acknowledgement: ${String(err)}`);
    }
    if (res.status !== 200) return s.crash(shown, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    const typed = JSON.stringify(input.values) + metadata;
    if (res.text.trim()) {
      s.count(`ack ${(res.json?.response_action as string) ?? "body"}`);
      if (isInternalError(res.text, typed)) return s.crash(shown, `internal error in the acknowledgement: ${res.text.slice(0, 400)}`);
      s.answered += 1;
      return;
    }
    // Acknowledged empty: the answer follows on the response_url, or (late, without one) as a direct message.
    judge(s, shown, typed, await answerOf(responseUrl, undefined, input.user.userId, since));
  }

  async function action(input: Extract<SlackInput, { kind: "action" }>) {
    const s = stats.actions;
    s.inputs += 1;
    const responseUrl = standIn.newResponseUrl("actions");
    const triggerId = standIn.issueTrigger();
    const payload = blockActionsPayload({
      teamId: standIn.teamId,
      user: { id: input.user.userId, name: input.user.displayName },
      button: { action_id: input.actionId, block_id: "b1", value: input.value, text: { type: "plain_text", text: "Click" } },
      triggerId,
      container: { type: "message", channelId: "C0GENERAL01", messageTs: `${Math.floor(Date.now() / 1000)}.000100`, isEphemeral: true, responseUrl },
    });
    const shown = `block_actions by ${input.user.userId}: action_id ${JSON.stringify(input.actionId)}, value ${JSON.stringify(input.value.slice(0, 400))}`;
    let res: AppResponse;
    try {
      res = await postSigned(options.events, interactionBody(payload), { signingSecret: options.signingSecret, timeoutMs: 15_000 });
    } catch (err) {
      return s.crash(shown, `no acknowledgement: ${String(err)}`);
    }
    if (res.status !== 200) return s.crash(shown, `HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    judge(s, shown, input.value, await answerOf(responseUrl, triggerId, input.user.userId));
  }

  function buildInputs(o: SlackFuzzOptions): SlackInput[] {
    const out: SlackInput[] = [];
    const share = { slash: Math.round(o.count * 0.55), forged: Math.round(o.count * 0.05), view: Math.round(o.count * 0.3) };
    const want = { ...share, action: o.count - share.slash - share.forged - share.view };
    const userFor = (input: CommandInput, i: number) => (input.role === "support" ? o.support : o.customers[i % o.customers.length]);
    const ok = (user: Caller, command: string, args: Record<string, unknown>, role: CommandInput["role"]) =>
      !mayWrite(world, user.userId, { role: user.isSupport ? "support" : role, command, args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === "string" ? v : ""])) });

    // Slash commands: the text as typed, read back the way the app reads it before the write check.
    let i = 0;
    for (let round = 0; out.length < want.slash && round < 20; round++) {
      const batch = sample(fc.oneof({ weight: 7, arbitrary: commandInputs(world, o.customers[round % o.customers.length].userId) }, { weight: 3, arbitrary: junkLine.map(rawLine) }), want.slash, o.seed + 100 + round);
      for (const input of batch) {
        if (out.length >= want.slash) break;
        const user = userFor(input, i++);
        const text = input.command === RAW_LINE ? input.args.raw : asCommandLine(input, registry.find(input.command.trim().toLowerCase())?.options.map((x) => x.name) ?? []);
        const parsed = parseCommandText(text, registry);
        if (!ok(user, parsed.command, parsed.args, input.role)) continue;
        out.push({ kind: "slash", user, text });
      }
    }
    const variants = ["wrong secret", "replayed (6 minutes old)", "signature of another body", "garbage signature", "unsigned", "timestamp not a number", "signed junk body", "signed junk JSON body", "signed payload that is not JSON", "signed interaction of an unknown type"];
    sample(junkLine, want.forged, o.seed + 200).forEach((text, k) => out.push({ kind: "forged", variant: variants[k % variants.length], text: text || "balance" }));

    // Form submissions: what the form was for (metadata) and what was typed into it (state values).
    const stateValue: fc.Arbitrary<unknown> = fc.oneof(
      { weight: 6, arbitrary: junkLine.map((value) => ({ type: "plain_text_input", value })) },
      { weight: 1, arbitrary: fc.constant({ type: "plain_text_input", value: null }) },
      { weight: 2, arbitrary: junkLine.map((value) => ({ type: "static_select", selected_option: { text: { type: "plain_text", text: "x" }, value } })) },
      { weight: 1, arbitrary: fc.constant({ type: "static_select", selected_option: null }) },
      { weight: 2, arbitrary: fc.nat({ max: 9 }).map((n) => ({ type: "file_input", files: n })) },
      { weight: 1, arbitrary: fc.constantFrom({ type: "file_input", files: [] }, { type: "file_input", files: [{ id: "F0NOSUCH" }] }, { type: "file_input", files: [{ id: "F0EVIL", url_private_download: "https://evil.example/x.png" }] }, { type: "number_input", value: "1e999" }, { type: "datepicker", selected_date: "2026-02-30" }, { type: "unknown_element" }) },
    );
    const metadataJunk = fc.oneof(junkLine, fc.constantFrom("", "{}", "{\"c\":\"\"}", "{\"c\":5}", "[]", "null", "{\"c\":\"topup\",\"a\":[1,2]}", "{\"c\":\"proof\",\"a\":{\"order\":{\"$gt\":\"\"}}}", `{"c":"help","a":{},"r":"https://evil.example/hook"}`, "x".repeat(3001)));
    const views = sample(
      fc.record({
        command: fc.option(commandInputs(world, o.customers[0].userId), { nil: null, freq: 4 }),
        junk: metadataJunk,
        values: fc.dictionary(fc.constantFrom("method", "amount", "order", "txHash", "screenshot", "reason", "note", "threshold", "code", "target", "payment", "query", "f_", "__proto__"), stateValue, { maxKeys: 4 }),
        withResponseUrl: fc.boolean(),
        k: fc.nat(),
      }),
      want.view * 3,
      o.seed + 300,
    );
    for (const v of views) {
      if (out.filter((x) => x.kind === "view").length >= want.view) break;
      const user = v.command ? userFor(v.command, v.k) : o.customers[v.k % o.customers.length];
      const typed = Object.fromEntries(Object.entries(v.values).map(([k, val]) => [k, textValue(val)]));
      if (v.command && !ok(user, v.command.command, { ...v.command.args, ...typed }, v.command.role)) continue;
      const metadata = v.command ? JSON.stringify({ c: v.command.command, a: v.command.args }) : v.junk;
      out.push({ kind: "view", user, metadata, values: v.values, withResponseUrl: v.withResponseUrl, command: v.command });
    }

    // Button clicks: the invocation a button carries, junk of every kind.
    const actions = sample(
      fc.record({ command: commandInputs(world, o.customers[1 % o.customers.length].userId), junk: fc.oneof(junkLine, fc.constantFrom("{\"c\":\"balance\",\"a\":{\"x\":{}}}", "{\"c\":\"\"}", "{", "null", "{\"a\":{}}")), useJunk: fc.boolean(), k: fc.nat() }),
      want.action * 2,
      o.seed + 400,
    );
    for (const a of actions) {
      if (out.length >= o.count) break;
      const user = userFor(a.command, a.k);
      if (!a.useJunk && !ok(user, a.command.command, a.command.args, a.command.role)) continue;
      const value = a.useJunk ? a.junk : JSON.stringify({ c: a.command.command, a: a.command.args });
      const actionId = `cd:${a.useJunk ? "x" : a.command.command}:${a.k % 4}`;
      if (a.useJunk) {
        // The junk value may still be a valid invocation: read it as the app does.
        try {
          const parsed = JSON.parse(value) as { c?: unknown; a?: Record<string, unknown> };
          if (typeof parsed?.c === "string" && !ok(user, parsed.c, parsed.a && typeof parsed.a === "object" ? parsed.a : {}, user.isSupport ? "support" : "customer")) continue;
        } catch {
          // not JSON: a stale button
        }
      }
      out.push({ kind: "action", user, value, actionId });
    }
    return out;
  }
}

function textValue(value: unknown): string {
  const v = value as { type?: string; value?: unknown; selected_option?: { value?: unknown } | null };
  if (v?.type === "static_select") return typeof v.selected_option?.value === "string" ? v.selected_option.value : "";
  if (v?.type === "file_input") return "";
  return typeof v?.value === "string" ? v.value : "";
}
