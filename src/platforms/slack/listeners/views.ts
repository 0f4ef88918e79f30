import type { AckFn, App, SlackViewMiddlewareArgs, types, ViewResponseAction, ViewSubmitAction } from "@slack/bolt";
import type { Caller } from "../../../core/command.ts";
import { internalErrorReply } from "../../../core/internalError.ts";
import { translate } from "../../../i18n.ts";
import type { Reply } from "../../../reply.ts";
import { modalErrors, type SlackBlock, type SlackView } from "../blockKit.ts";
import { slackIdentity } from "../identity.ts";
import { decodeFormContext, FORM_CALLBACK_ID, type FormContext } from "../invocations.ts";
import type { SubmittedState } from "../submission.ts";
import { withinBudget } from "../timing.ts";
import type { CallerInput, ListenerDeps } from "./deps.ts";

/**
 * A submitted form. Unlike a command or a click, its validation errors must travel in the
 * acknowledgement (the modal stays open with them), so the command runs first, within a budget.
 * If it is slower, the modal closes and the answer follows through the response_url.
 */
export function register(app: Pick<App, "view">, deps: ListenerDeps): void {
  app.view({ callback_id: FORM_CALLBACK_ID, type: "view_submission" }, (args) => onSubmission(deps, args as SlackViewMiddlewareArgs<ViewSubmitAction>));
}

interface Submitted {
  caller: Caller;
  reply: Reply;
}

type ViewAck = AckFn<ViewResponseAction> | AckFn<void>;

async function onSubmission(deps: ListenerDeps, { ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> {
  const context = decodeFormContext(view.private_metadata);
  const who: CallerInput = slackIdentity({ kind: "view_submission", body });
  const work = submit(deps, who, context, view.state.values as SubmittedState);
  const settled = await withinBudget(work, deps.submissionBudgetMs);
  if (settled === "late") {
    // Slack would show "the app did not respond": close the modal, answer when ready.
    await ack();
    void answerLate(deps, who, context, work);
    return;
  }
  if (settled.status === "rejected") {
    const caller = await deps.callerOf(who);
    const reply = internalErrorReply(deps.log, settled.reason, caller.locale, { surface: "slack", form: context?.invocation.command });
    await ack(update(deps.answerer.resultView(reply, caller)));
    return;
  }
  await acknowledge(deps, ack as ViewAck, settled.value, context, inputBlockIds(view.blocks as SlackBlock[]));
}

async function submit(deps: ListenerDeps, who: CallerInput, context: FormContext | null, state: SubmittedState): Promise<Submitted> {
  const caller = await deps.callerOf(who);
  if (!context) return { caller, reply: { blocks: [{ type: "text", text: translate(caller.locale, "slack.stale_button") }], private: true, error: true } };
  const submitted = await deps.readSubmission(state, caller);
  if (submitted.fileErrors) return { caller, reply: { blocks: [], private: true, error: true, fieldErrors: submitted.fileErrors } };
  const reply = await deps.dispatch(caller, context.invocation.command, { ...context.invocation.args, ...submitted.values });
  return { caller, reply };
}

/** Field errors keep the modal open; a next form replaces it; a reply goes to the response_url or into the modal. */
async function acknowledge(deps: ListenerDeps, ack: ViewAck, { caller, reply }: Submitted, context: FormContext | null, blockIds: string[]): Promise<void> {
  const errors = reply.error ? modalErrors(reply, blockIds) : null;
  if (errors) return ack({ response_action: "errors", errors });
  const origin = { responseUrl: context?.responseUrl, channelId: context?.channelId };
  if (reply.form) return ack(update(deps.answerer.formView(reply, caller, origin)));
  if (origin.responseUrl && !reply.error) {
    await ack();
    await deps.answerer.answer(reply, { caller, ...origin });
    return;
  }
  await ack(update(deps.answerer.resultView(reply, caller)));
}

async function answerLate(deps: ListenerDeps, who: CallerInput, context: FormContext | null, work: Promise<Submitted>): Promise<void> {
  const origin = { responseUrl: context?.responseUrl, channelId: context?.channelId };
  try {
    const { caller, reply } = await work.catch(async (err: unknown) => {
      const caller = await deps.callerOf(who);
      return { caller, reply: internalErrorReply(deps.log, err, caller.locale, { surface: "slack", form: context?.invocation.command, late: true }) };
    });
    await deps.answerer.answer(reply, { caller, ...origin });
  } catch (err) {
    deps.log.error({ err }, "late modal submission could not be answered");
  }
}

function inputBlockIds(blocks: SlackBlock[]): string[] {
  return blocks.filter((b) => b.type === "input").map((b) => String(b.block_id));
}

/** Our renderer builds plain JSON; Bolt's ack wants its View type. */
function update(view: SlackView): { response_action: "update"; view: types.View } {
  return { response_action: "update", view: view as types.View };
}
