import { describe, expect, it } from "vitest";
import { translate } from "../../../src/i18n.ts";
import { encodeFormContext, FORM_CALLBACK_ID } from "../../../src/platforms/slack/invocations.ts";
import { register } from "../../../src/platforms/slack/listeners/views.ts";
import type { SubmittedState } from "../../../src/platforms/slack/submission.ts";
import type { Reply } from "../../../src/reply.ts";
import { CUSTOMER, fakeApp, recorder, TEAM, textOfReply, traceIdOf, viewSubmission } from "./kit.ts";

const FORM_RESPONSE_URL = "https://hooks.slack.com/commands/T0CREDIT01/222/form";
const topupForm = encodeFormContext({ invocation: { command: "topup", args: { source: "home" } }, responseUrl: FORM_RESPONSE_URL, channelId: "C0GENERAL01" });
const blocks = [
  { type: "input", block_id: "f_method", label: { type: "plain_text", text: "Network" }, element: { type: "static_select", action_id: "method" } },
  { type: "input", block_id: "f_amount", label: { type: "plain_text", text: "Amount" }, element: { type: "plain_text_input", action_id: "amount" } },
];
const values: SubmittedState = {
  f_method: { method: { type: "static_select", selected_option: { text: { type: "plain_text", text: "TRC20" }, value: "trc20" } } },
  f_amount: { amount: { type: "plain_text_input", value: "10" } },
};

async function submit(privateMetadata: string, options: Parameters<typeof recorder>[0] = {}) {
  const rec = recorder(options);
  const { app, only } = fakeApp();
  register(app, rec.deps);
  const body = viewSubmission({ privateMetadata, blocks, values });
  await only("view").handler({ body, view: body.view, payload: body.view, ack: rec.ack });
  return rec;
}

const instructions: Reply = { blocks: [{ type: "text", text: "Send exactly 10.0137 USDT" }], private: true };

describe("the form submission listener", () => {
  it("listens to view_submission of our forms only", () => {
    const { app, only } = fakeApp();
    register(app, recorder().deps);
    expect(only("view").constraint).toEqual({ callback_id: FORM_CALLBACK_ID, type: "view_submission" });
  });

  it("runs the form's invocation with the submitted fields, then closes the modal and answers through the response_url", async () => {
    const rec = await submit(topupForm, { submission: { values: { method: "trc20", amount: "10" } }, reply: () => instructions });
    expect(rec.submissions).toEqual([values]);
    expect(rec.callers).toEqual([{ workspaceId: TEAM.id, userId: CUSTOMER.id, displayName: CUSTOMER.name }]);
    expect(rec.dispatched.map((d) => [d.command, d.args])).toEqual([["topup", { source: "home", method: "trc20", amount: "10" }]]);
    // The ack closes the modal before the answer is posted.
    expect(rec.timeline).toEqual(["callerOf", "readSubmission", "dispatch", "ack", "answer"]);
    expect(rec.ack.calls).toEqual([undefined]);
    expect(rec.answers[0]).toEqual({ reply: instructions, where: { caller: rec.dispatched[0].caller, responseUrl: FORM_RESPONSE_URL, channelId: "C0GENERAL01" } });
  });

  it("returns field errors in the ack, on the field's block, and the modal stays open", async () => {
    const refused: Reply = { blocks: [], private: true, error: true, fieldErrors: { amount: "Minimum 10", note: "not in this form" } };
    const rec = await submit(topupForm, { reply: () => refused });
    expect(rec.ack.calls).toEqual([{ response_action: "errors", errors: { f_amount: "Minimum 10" } }]);
    expect(rec.answers).toEqual([]);
  });

  it("a file Slack would not give is an error on its field, and the command does not run", async () => {
    const rec = await submit(topupForm, { submission: { values: { amount: "10" }, fileErrors: { method: "download failed" } } });
    expect(rec.dispatched).toEqual([]);
    expect(rec.ack.calls).toEqual([{ response_action: "errors", errors: { f_method: "download failed" } }]);
  });

  it("replaces the modal with the next form when the reply is a form", async () => {
    const next: Reply = { blocks: [], form: { command: "proof", args: {}, title: "Proof", submitLabel: "Send", fields: [] } };
    const rec = await submit(topupForm, { reply: () => next });
    expect(rec.ack.calls).toEqual([{ response_action: "update", view: { type: "modal", callback_id: "form-view", title: "Proof" } }]);
    expect(rec.answers).toEqual([]);
  });

  it("shows the reply in the modal when the form has no response_url (opened from the App Home)", async () => {
    const rec = await submit(encodeFormContext({ invocation: { command: "topup", args: {} } }), { reply: () => instructions });
    expect(rec.ack.calls).toEqual([{ response_action: "update", view: { type: "modal", callback_id: "result-view", shows: instructions } }]);
    expect(rec.answers).toEqual([]);
  });

  it("runs nothing for a form whose metadata it cannot read", async () => {
    const rec = await submit("garbage");
    expect(rec.dispatched).toEqual([]);
    const shown = (rec.ack.calls[0] as { view: { shows: Reply } }).view.shows;
    expect(textOfReply(shown)).toBe(translate("en", "slack.stale_button"));
  });

  it("shows an internal error with a trace id in the modal when the command fails", async () => {
    const rec = await submit(topupForm, {
      reply: () => {
        throw new Error("connection reset");
      },
    });
    const ack = rec.ack.calls[0] as { response_action: string; view: { shows: Reply } };
    expect(ack.response_action).toBe("update");
    expect(textOfReply(ack.view.shows)).toContain(translate("en", "errors.internal", { traceId: traceIdOf(ack.view.shows, rec.logs) }));
  });

  it("past its budget, closes the modal at once and answers through the response_url when the command is done", async () => {
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const rec = await submit(topupForm, {
      submissionBudgetMs: 20,
      reply: async () => {
        await slow;
        return instructions;
      },
    });
    expect(rec.ack.calls).toEqual([undefined]);
    expect(rec.answers).toEqual([]);
    finish();
    await expect.poll(() => rec.answers.length).toBe(1);
    expect(rec.timeline.indexOf("ack")).toBeLessThan(rec.timeline.indexOf("answer"));
    expect(rec.answers[0].where).toMatchObject({ responseUrl: FORM_RESPONSE_URL, channelId: "C0GENERAL01" });
  });

  it("past its budget, a command that then fails is answered with an internal error through the response_url", async () => {
    let fail!: () => void;
    const slow = new Promise<void>((_, reject) => (fail = () => reject(new Error("too slow and broken"))));
    const rec = await submit(topupForm, {
      submissionBudgetMs: 20,
      reply: async () => {
        await slow;
        return instructions;
      },
    });
    fail();
    await expect.poll(() => rec.answers.length).toBe(1);
    const { reply, where } = rec.answers[0];
    expect(textOfReply(reply)).toContain(traceIdOf(reply, rec.logs));
    expect(where.responseUrl).toBe(FORM_RESPONSE_URL);
  });
});
