import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { Caller } from "../../../core/command.ts";
import { translate } from "../../../i18n.ts";
import type { Reply } from "../../../reply.ts";
import type { Destination } from "../answer.ts";
import { slackIdentity } from "../identity.ts";
import { ACTION_PREFIX, decodeButtonValue } from "../invocations.ts";
import { answerWith, type ListenerDeps } from "./deps.ts";

/**
 * A click on one of our buttons (a message, a modal or the App Home): the button's value is the
 * invocation it runs. Acknowledged at once; rights are decided again on every click, so a
 * button in an old message grants nothing.
 */
export function register(app: Pick<App, "action">, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>({ type: "block_actions", action_id: new RegExp(`^${ACTION_PREFIX}`) }, async ({ ack, body, action }) => {
    await ack();
    await deps.afterAck();
    const caller = await deps.callerOf(slackIdentity({ kind: "block_actions", body }));
    const invocation = decodeButtonValue(action.value);
    await answerWith(
      deps,
      destinationOf(body, caller),
      async () => (invocation ? deps.dispatch(caller, invocation.command, invocation.args) : staleButton(caller)),
      { action: action.action_id, command: invocation?.command },
    );
  });
}

function destinationOf(body: BlockAction<ButtonAction>, caller: Caller): Destination {
  const inModal = body.view?.type === "modal";
  return {
    caller,
    triggerId: body.trigger_id,
    responseUrl: body.response_url || undefined,
    channelId: body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id,
    modalViewId: inModal ? body.view!.id : undefined,
  };
}

/** A button whose value we cannot read (an older version of the app made it). */
function staleButton(caller: Caller): Reply {
  return { blocks: [{ type: "text", text: translate(caller.locale, "slack.stale_button") }], private: true, error: true };
}
