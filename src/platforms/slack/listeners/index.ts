import type { App } from "@slack/bolt";
import * as actions from "./actions.ts";
import * as appHome from "./appHome.ts";
import * as commands from "./commands.ts";
import type { ListenerDeps } from "./deps.ts";
import * as views from "./views.ts";

export type { CallerInput, ListenerDeps } from "./deps.ts";

/** Every kind of request the Slack app listens to, registered in one place. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  commands.register(app, deps);
  actions.register(app, deps);
  views.register(app, deps);
  appHome.register(app, deps);
}
