import { describe, expect, it } from "vitest";
import { translate } from "../../../src/i18n.ts";
import type { SlackBlock } from "../../../src/platforms/slack/blockKit.ts";
import { decodeButtonValue } from "../../../src/platforms/slack/invocations.ts";
import { register } from "../../../src/platforms/slack/listeners/appHome.ts";
import { textReply } from "../../../src/reply.ts";
import { textOf } from "../../standins/slack.ts";
import { appHomeOpened, CUSTOMER, fakeApp, recorder, SUPPORT, TEAM, traceIdOf } from "./kit.ts";

async function open(user: string, tab: "home" | "messages" = "home", options: Parameters<typeof recorder>[0] = {}) {
  const rec = recorder({ reply: (command) => textReply(`${command} of ${user}`), ...options });
  const { app, only } = fakeApp();
  register(app, rec.deps);
  const body = appHomeOpened(user, tab);
  await only("event").handler({ event: body.event, body, payload: body.event });
  return rec;
}

describe("the App Home listener", () => {
  it("listens to app_home_opened", () => {
    const { app, only } = fakeApp();
    register(app, recorder().deps);
    expect(only("event").constraint).toBe("app_home_opened");
  });

  it("publishes a customer's Home: a Top up button, the balance and recent orders, no queue", async () => {
    const rec = await open(CUSTOMER.id);
    expect(rec.callers).toEqual([{ workspaceId: TEAM.id, userId: CUSTOMER.id }]);
    expect(rec.dispatched.map((d) => [d.command, d.args])).toEqual([
      ["balance", {}],
      ["history", {}],
    ]);
    expect(rec.published).toHaveLength(1);
    const { userId, view } = rec.published[0];
    expect(userId).toBe(CUSTOMER.id);
    expect(view.type).toBe("home");
    const text = textOf(view.blocks as SlackBlock[]);
    expect(text).toContain(translate("en", "slack.home.title"));
    expect(text).toContain(translate("en", "slack.home.intro", { command: "/credits" }));
    expect(text).toContain(`balance of ${CUSTOMER.id}`);
    expect(text).toContain(`history of ${CUSTOMER.id}`);
    expect(text).not.toContain(translate("en", "slack.home.queue_title"));
    expect(text).not.toContain("/credits-admin");
    const button = (view.blocks as SlackBlock[]).flatMap((b) => (b.type === "actions" ? b.elements : [])).find((e: SlackBlock) => e.type === "button");
    expect(decodeButtonValue(button.value)).toEqual({ command: "topup", args: {} });
  });

  it("shows one Top up button when the balance reply brings its own", async () => {
    const rec = await open(CUSTOMER.id, "home", {
      reply: (command) => ({
        blocks: [
          { type: "text", text: `${command} reply` },
          { type: "buttons", buttons: [{ label: "Top up", command: "topup", args: {} }, { label: "Usage", command: "usage", args: {} }] },
        ],
      }),
    });
    const buttons = (rec.published[0].view.blocks as SlackBlock[]).flatMap((b) => (b.type === "actions" ? b.elements : [])).map((e: SlackBlock) => decodeButtonValue(e.value)?.command);
    // Home's own Top up, then the balance reply's Usage; history's two repeats are dropped too.
    expect(buttons).toEqual(["topup", "usage"]);
  });

  it("adds the open queue for a support member", async () => {
    const rec = await open(SUPPORT.id);
    expect(rec.dispatched.map((d) => d.command)).toEqual(["balance", "history", "queue"]);
    const text = textOf(rec.published[0].view.blocks as SlackBlock[]);
    expect(text).toContain(translate("en", "slack.home.queue_title"));
    expect(text).toContain(`queue of ${SUPPORT.id}`);
    expect(text).toContain(translate("en", "slack.home.support_intro", { command: "/credits-admin" }));
  });

  it("does nothing when the Messages tab is opened", async () => {
    const rec = await open(CUSTOMER.id, "messages");
    expect(rec.timeline).toEqual([]);
  });

  it("publishes an internal error with a trace id when a part of the Home fails", async () => {
    const rec = await open(CUSTOMER.id, "home", {
      reply: (command) => {
        if (command === "history") throw new Error("history table locked");
        return textReply("ok");
      },
    });
    expect(rec.published).toHaveLength(1);
    const text = textOf(rec.published[0].view.blocks as SlackBlock[]);
    const traceId = /trace id: ([0-9a-f]{8})/.exec(text)?.[1];
    expect(traceId).toBeDefined();
    expect(text).toContain(translate("en", "errors.internal", { traceId: traceId! }));
    expect(traceIdOf({ blocks: [{ type: "text", text }] }, rec.logs)).toBe(traceId);
  });
});
