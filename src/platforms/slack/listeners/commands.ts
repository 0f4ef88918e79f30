import type { App } from "@slack/bolt";
import { parseCommandText } from "../commandText.ts";
import { slackIdentity } from "../identity.ts";
import { answerWith, type ListenerDeps } from "./deps.ts";

/**
 * `/credits <command> <args…>`: acknowledged at once (Slack allows 3 seconds), then the command
 * runs and its reply goes to the response_url, or opens its form with the trigger_id.
 */
export function register(app: Pick<App, "command">, deps: ListenerDeps): void {
  app.command(deps.command, async ({ command, ack }) => {
    await ack();
    await deps.afterAck();
    const caller = await deps.callerOf(slackIdentity({ kind: "slash_command", body: command }));
    const where = { caller, triggerId: command.trigger_id, responseUrl: command.response_url, channelId: command.channel_id };
    const run = async () => {
      const { command: name, args } = parseCommandText(command.text ?? "", deps.registry);
      return deps.dispatch(caller, name, args);
    };
    await answerWith(deps, where, run, { slashCommand: command.command });
  });
}
