import type { Caller } from "../../../core/command.ts";
import type { RawArgs, Registry } from "../../../core/dispatch.ts";
import { internalErrorReply } from "../../../core/internalError.ts";
import type { Logger } from "../../../log.ts";
import type { Reply } from "../../../reply.ts";
import type { Answerer, Destination } from "../answer.ts";
import type { RenderOptions, SlackView } from "../blockKit.ts";
import type { SlackIdentity } from "../identity.ts";
import type { SubmissionReader } from "../submission.ts";

/** Who sent a request, as `slackIdentity` decides it from the payload; rights and language are looked up from it. */
export type CallerInput = SlackIdentity;

/**
 * What every listener works with. A listener only translates: it acks, establishes the caller,
 * sends the invocation through `dispatch` and hands the reply to the answerer.
 */
export interface ListenerDeps {
  /** The slash command this app answers ("/credits" unless SLACK_COMMAND says otherwise). */
  command: string;
  /** The support slash command ("/credits-admin" unless SLACK_ADMIN_COMMAND says otherwise). */
  adminCommand: string;
  registry: Registry;
  callerOf(input: CallerInput): Promise<Caller>;
  dispatch(caller: Caller, command: string, args: RawArgs): Promise<Reply>;
  answerer: Answerer;
  readSubmission: SubmissionReader;
  publishHome(userId: string, view: SlackView): Promise<void>;
  render: RenderOptions;
  log: Logger;
  /** How long a modal submission may work before the modal is closed without its answer. */
  submissionBudgetMs: number;
  /** Runs between the ack and the work. */
  afterAck(): Promise<void>;
}

/** Runs the work and answers with its reply, or with an internal-error reply (and its trace id) if it fails. */
export async function answerWith(deps: ListenerDeps, where: Destination, work: () => Promise<Reply>, context: Record<string, unknown>): Promise<void> {
  try {
    await deps.answerer.answer(await work(), where);
  } catch (err) {
    const reply = internalErrorReply(deps.log, err, where.caller.locale, { surface: "slack", ...context });
    // The trigger_id may be spent: the apology goes to the response_url, the channel or a DM.
    await deps.answerer.answer(reply, { ...where, triggerId: undefined }).catch((failed: unknown) => {
      deps.log.warn({ err: String(failed) }, "could not tell the user about an internal error");
    });
  }
}
