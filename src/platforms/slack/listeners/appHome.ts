import type { App } from "@slack/bolt";
import type { Caller } from "../../../core/command.ts";
import { internalErrorReply } from "../../../core/internalError.ts";
import { translate } from "../../../i18n.ts";
import type { Block } from "../../../reply.ts";
import { renderHome } from "../blockKit.ts";
import { slackIdentity, type EventEnvelopeFields } from "../identity.ts";
import type { ListenerDeps } from "./deps.ts";

/**
 * The App Home tab, published (views.publish) each time a user opens it: a Top up button, the
 * balance and recent orders, and for support members the open queue. Each part is a command's
 * reply, run through dispatch like any other.
 */
export function register(app: Pick<App, "event">, deps: ListenerDeps): void {
  app.event("app_home_opened", async ({ event, body }) => {
    if (event.tab !== "home") return;
    const caller = await deps.callerOf(slackIdentity({ kind: "event", body: body as EventEnvelopeFields }));
    let sections: Block[][];
    try {
      sections = await homeSections(deps, caller);
    } catch (err) {
      sections = [internalErrorReply(deps.log, err, caller.locale, { surface: "slack", event: "app_home_opened" }).blocks];
    }
    await deps.publishHome(event.user, renderHome(sections, deps.render));
  });
}

async function homeSections(deps: ListenerDeps, caller: Caller): Promise<Block[][]> {
  const t = (key: string, params?: Record<string, string>) => translate(caller.locale, key, params);
  const [balance, history, queue] = await Promise.all([
    deps.dispatch(caller, "balance", {}),
    deps.dispatch(caller, "history", {}),
    caller.isSupport ? deps.dispatch(caller, "queue", {}) : Promise.resolve(null),
  ]);
  const top: Block[] = [
    { type: "header", text: t("slack.home.title") },
    { type: "text", text: t("slack.home.intro", { command: deps.command }) },
    { type: "buttons", buttons: [{ label: t("slack.home.topup"), style: "primary", command: "topup", args: {} }] },
  ];
  const sections = [top, balance.blocks, history.blocks];
  if (queue) sections.push([{ type: "header", text: t("slack.home.queue_title") }, { type: "context", text: t("slack.home.support_intro", { command: deps.adminCommand }) }, ...queue.blocks]);
  return withoutRepeatedButtons(sections);
}

/**
 * The parts are command replies made to stand alone (the balance reply carries its own Top up
 * button), so on one page a button that does what an earlier one does is dropped: the Home shows
 * one Top up button, at the top.
 */
function withoutRepeatedButtons(sections: Block[][]): Block[][] {
  const seen = new Set<string>();
  return sections.map((blocks) =>
    blocks.flatMap((block): Block[] => {
      if (block.type !== "buttons") return [block];
      const buttons = block.buttons.filter((b) => {
        const key = JSON.stringify([b.command, b.args]);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return buttons.length > 0 ? [{ ...block, buttons }] : [];
    }),
  );
}
