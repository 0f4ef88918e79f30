import { describe, expect, it } from "vitest";
import { translate } from "../../../src/i18n.ts";
import { actionId, encodeButtonValue, FORM_CALLBACK_ID } from "../../../src/platforms/slack/invocations.ts";
import { register } from "../../../src/platforms/slack/listeners/actions.ts";
import { CUSTOMER, fakeApp, messageClick, recorder, SUPPORT, TEAM, textOfReply, traceIdOf, TRIGGER_ID, viewClick } from "./kit.ts";

const confirm = { actionId: actionId("confirm", 0), value: encodeButtonValue({ command: "confirm", args: { order: "CD-000001" } }) };

async function click(body: ReturnType<typeof messageClick> | ReturnType<typeof viewClick>, options: Parameters<typeof recorder>[0] = {}) {
  const rec = recorder(options);
  const { app, only } = fakeApp();
  register(app, rec.deps);
  const action = body.actions[0];
  await only("action").handler({ body, action, payload: action, ack: rec.ack });
  return rec;
}

describe("the button listener", () => {
  it("listens to block_actions on our action ids only", () => {
    const { app, only } = fakeApp();
    register(app, recorder().deps);
    const { constraint } = only("action") as { constraint: { type: string; action_id: RegExp } };
    expect(constraint.type).toBe("block_actions");
    expect(constraint.action_id.test(actionId("confirm", 0))).toBe(true);
    expect(constraint.action_id.test("someone_elses_button")).toBe(false);
    expect(constraint.action_id.test(FORM_CALLBACK_ID)).toBe(false);
  });

  it("acks first, then runs the invocation the button carries, as the person who clicked", async () => {
    const rec = await click(messageClick({ ...confirm, user: SUPPORT }));
    expect(rec.timeline).toEqual(["ack", "afterAck", "callerOf", "dispatch", "answer"]);
    expect(rec.ack.calls).toEqual([undefined]);
    expect(rec.callers).toEqual([{ workspaceId: TEAM.id, userId: SUPPORT.id, displayName: SUPPORT.name }]);
    expect(rec.dispatched.map((d) => [d.command, d.args, d.caller.isSupport])).toEqual([["confirm", { order: "CD-000001" }, true]]);
  });

  it("answers a click on a message through its response_url, in its channel", async () => {
    const rec = await click(messageClick({ ...confirm, user: SUPPORT }));
    expect(rec.answers[0].where).toEqual({
      caller: rec.dispatched[0].caller,
      triggerId: TRIGGER_ID,
      responseUrl: "https://hooks.slack.com/actions/T0CREDIT01/12345/zyxwvut",
      channelId: "C0SUPPORT01",
      modalViewId: undefined,
    });
  });

  it("answers a click inside a modal in that modal (no response_url there)", async () => {
    const rec = await click(viewClick(confirm, "modal"));
    expect(rec.answers[0].where).toMatchObject({ triggerId: TRIGGER_ID, responseUrl: undefined, modalViewId: "V0VIEW0001" });
  });

  it("answers a click on the App Home tab with the trigger_id, not in the Home view", async () => {
    const topup = { actionId: actionId("topup", 0), value: encodeButtonValue({ command: "topup", args: {} }) };
    const rec = await click(viewClick(topup, "home"));
    expect(rec.dispatched.map((d) => d.command)).toEqual(["topup"]);
    expect(rec.answers[0].where).toMatchObject({ triggerId: TRIGGER_ID, responseUrl: undefined, modalViewId: undefined });
    expect(rec.callers[0]).toEqual({ workspaceId: TEAM.id, userId: CUSTOMER.id, displayName: CUSTOMER.name });
  });

  it("runs nothing for a button whose value it cannot read, and says so", async () => {
    const rec = await click(messageClick({ actionId: actionId("confirm", 0), value: "{not json" }));
    expect(rec.dispatched).toEqual([]);
    expect(rec.timeline).toEqual(["ack", "afterAck", "callerOf", "answer"]);
    expect(rec.answers[0].reply).toMatchObject({ private: true, error: true });
    expect(textOfReply(rec.answers[0].reply)).toBe(translate("en", "slack.stale_button"));
  });

  it("answers an internal error with a trace id, without the spent trigger_id", async () => {
    const rec = await click(messageClick({ ...confirm, user: SUPPORT }), {
      reply: () => {
        throw new Error("lock timeout");
      },
    });
    const { reply, where } = rec.answers[0];
    expect(textOfReply(reply)).toContain(translate("en", "errors.internal", { traceId: traceIdOf(reply, rec.logs) }));
    expect(where).toMatchObject({ triggerId: undefined, responseUrl: "https://hooks.slack.com/actions/T0CREDIT01/12345/zyxwvut" });
  });
});
