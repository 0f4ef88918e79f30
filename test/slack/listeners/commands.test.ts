import { describe, expect, it } from "vitest";
import { translate } from "../../../src/i18n.ts";
import { register } from "../../../src/platforms/slack/listeners/commands.ts";
import { CUSTOMER, fakeApp, recorder, RESPONSE_URL, slashCommand, TEAM, textOfReply, traceIdOf, TRIGGER_ID } from "./kit.ts";

async function run(text: string, options: Parameters<typeof recorder>[0] = {}, slash = "/credits") {
  const rec = recorder(options);
  const { app, registered } = fakeApp();
  register(app, rec.deps);
  const payload = slashCommand(text, { command: slash });
  const listener = registered.find((r) => r.kind === "command" && r.constraint === slash);
  if (!listener) throw new Error(`no listener for ${slash}`);
  await listener.handler({ command: payload, body: payload, payload, ack: rec.ack });
  return rec;
}

describe("the slash command listener", () => {
  it("listens to the configured commands (SLACK_COMMAND renames /credits, SLACK_ADMIN_COMMAND /credits-admin)", () => {
    const rec = recorder({ command: "/billing", adminCommand: "/billing-desk" });
    const { app, registered } = fakeApp();
    register(app, rec.deps);
    expect(registered.map((r) => [r.kind, r.constraint])).toEqual([
      ["command", "/billing"],
      ["command", "/billing-desk"],
    ]);
  });

  it("acks first, then dispatches the first word as the command and the next words as its options", async () => {
    const rec = await run("topup trc20 10");
    expect(rec.timeline).toEqual(["ack", "afterAck", "callerOf", "dispatch", "answer"]);
    expect(rec.ack.calls).toEqual([undefined]);
    expect(rec.callers).toEqual([{ workspaceId: TEAM.id, userId: CUSTOMER.id, displayName: CUSTOMER.name }]);
    expect(rec.dispatched).toHaveLength(1);
    expect(rec.dispatched[0].command).toBe("topup");
    expect(rec.dispatched[0].args).toEqual({ method: "trc20", amount: "10" });
    expect(rec.dispatched[0].caller).toMatchObject({ platform: "slack", workspaceId: TEAM.id, userId: CUSTOMER.id, isSupport: false });
  });

  it("answers where the command came from: its response_url, trigger_id and channel", async () => {
    const rec = await run("balance");
    expect(rec.answers).toHaveLength(1);
    const { reply, where } = rec.answers[0];
    expect(textOfReply(reply)).toBe("ran balance");
    expect(where).toEqual({ caller: rec.dispatched[0].caller, triggerId: TRIGGER_ID, responseUrl: RESPONSE_URL, channelId: "C2147483705" });
  });

  it("runs what is typed under the support command the same way (dispatch decides rights)", async () => {
    const rec = await run("queue", {}, "/credits-admin");
    expect(rec.timeline).toEqual(["ack", "afterAck", "callerOf", "dispatch", "answer"]);
    expect(rec.dispatched.map((d) => [d.command, d.args])).toEqual([["queue", {}]]);
    expect(rec.answers[0].where.responseUrl).toBe(RESPONSE_URL);
  });

  it("reads Slack's escaped mentions, channels, links and entities (should_escape: true)", async () => {
    const rec = await run("account <@U0ALICE01|alice>", {}, "/credits-admin");
    expect(rec.dispatched[0].args).toEqual({ query: "<@U0ALICE01|alice>" });
    const spaced = await run("adjust <@U0ALICE01|alice smith> 5 goodwill", {}, "/credits-admin");
    expect(spaced.dispatched[0].args).toMatchObject({ account: "<@U0ALICE01>", amount: "5" });
    const noted = await run("reject CD-1 other see <#C0SUPPORT1|support> &amp; <https://tronscan.org/#/tx/ab|tronscan.org/#/tx/ab> &lt;3 <mailto:a@b.example|a@b.example> <!here>");
    expect(noted.dispatched[0].args).toEqual({ order: "CD-1", reason: "other", note: "see #support & tronscan.org/#/tx/ab <3 a@b.example @here" });
  });

  it("asks for help when the text is empty", async () => {
    const rec = await run("   ");
    expect(rec.dispatched.map((d) => [d.command, d.args])).toEqual([["help", {}]]);
  });

  it("answers an internal error with a trace id (logged with the error), privately, without the spent trigger_id", async () => {
    const rec = await run("balance", {
      reply: () => {
        throw new Error("database on fire");
      },
    });
    expect(rec.timeline).toEqual(["ack", "afterAck", "callerOf", "dispatch", "answer"]);
    const { reply, where } = rec.answers[0];
    const traceId = traceIdOf(reply, rec.logs);
    expect(textOfReply(reply)).toContain(translate("en", "errors.internal", { traceId }));
    expect(reply).toMatchObject({ private: true, error: true });
    expect(where).toMatchObject({ responseUrl: RESPONSE_URL, channelId: "C2147483705", triggerId: undefined });
    expect(JSON.stringify(rec.logs)).toContain("database on fire");
  });

  it("does not throw when even the apology cannot be delivered", async () => {
    const rec = await run("balance", { answerFails: true });
    // The reply failed, then the internal-error reply failed too: both were tried, and logged.
    expect(rec.timeline).toEqual(["ack", "afterAck", "callerOf", "dispatch", "answer", "answer"]);
    expect(textOfReply(rec.answers[1].reply)).toContain(traceIdOf(rec.answers[1].reply, rec.logs));
  });
});
