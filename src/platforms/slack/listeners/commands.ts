import type { App } from "@slack/bolt";
import { parseCommandText } from "../commandText.ts";
import { slackIdentity } from "../identity.ts";
import { answerWith, type ListenerDeps } from "./deps.ts";

/**
 * `/credits <command> <args…>` and `/credits-admin <command> <args…>`: acknowledged at once (Slack
 * allows 3 seconds), then the command runs and its reply goes to the response_url, or opens its
 * form with the trigger_id.
 *
 * The two slash commands differ only in what Slack shows: the customer command's usage hint lists
 * what customers can do, the support command's the support tools. Either runs any command, and
 * dispatch decides rights on every request, so a support member who types `/credits queue` out of
 * habit still gets the queue and a customer who finds `/credits-admin` is refused as before.
 */
export function register(app: Pick<App, "command">, deps: ListenerDeps): void {
  for (const name of new Set([deps.command, deps.adminCommand])) {
    app.command(name, async ({ command, ack }) => {
      await ack();
      await deps.afterAck();
      const caller = await deps.callerOf(slackIdentity({ kind: "slash_command", body: command }));
      const where = { caller, triggerId: command.trigger_id, responseUrl: command.response_url, channelId: command.channel_id };
      const run = async () => {
        const { command: commandName, args } = parseCommandText(command.text ?? "", deps.registry);
        return deps.dispatch(caller, commandName, args);
      };
      await answerWith(deps, where, run, { slashCommand: command.command });
    });
  }
}
