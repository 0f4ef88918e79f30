import { existsSync } from "node:fs";
import { registry } from "../commands/index.ts";
import { createServices } from "./app/createServices.ts";
import { describeStartupFailure } from "./app/startupError.ts";
import { StartupStepError } from "./app/startupStep.ts";
import { loadEnv, type Env } from "./config/env.ts";
import { startConsole } from "./platforms/console/index.ts";
import { startWorker } from "./app/worker.ts";
import { startWeb } from "./app/web.ts";
import type { Deliverers } from "./notify/outbox.ts";

/**
 * `npm start` runs everything that is configured in one process: the web server when Slack
 * credentials are set, the Discord client when Discord's are, and the worker always. With no
 * credentials at all it opens the console playground. The Procfile runs the same pieces apart.
 */
type Role = "all" | "console" | "web" | "worker" | "discord";
const ROLES: Role[] = ["all", "console", "web", "worker", "discord"];

async function main(argv: string[]): Promise<void> {
  const role = (argv[0] ?? "all") as Role;
  if (!ROLES.includes(role)) {
    process.stderr.write(`Unknown role "${argv[0]}". Use one of: ${ROLES.join(", ")}.\n`);
    process.exit(2);
  }
  // A .env file in the working directory, like the CLI; variables already set win.
  if (existsSync(".env")) process.loadEnvFile(".env");
  const env = loadEnv();
  // With nothing to serve (no chat credentials, no usage API keys) `npm start` is the playground.
  const playground = role === "console" || (role === "all" && !env.SLACK_BOT_TOKEN && !env.DISCORD_TOKEN && env.API_KEYS.length === 0);
  if (playground) {
    const services = await createServices({ env: { ...env, LOG_LEVEL: env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL }, allowDemoMethods: true });
    await startConsole(services, registry, { script: argv.includes("--script") ? true : undefined });
    await services.db.close();
    return;
  }

  const services = await createServices({ env });
  const controller = new AbortController();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    if (controller.signal.aborted) return;
    controller.abort();
    for (const s of stops.reverse()) await s().catch((err) => services.log.error({ err }, "shutdown step failed"));
    await services.db.close();
  };
  process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
  process.once("SIGINT", () => void stop().then(() => process.exit(0)));

  const provided: Deliverers = {};
  if (role === "web" || (role === "all" && needsWeb(env))) {
    const web = await startWeb(services, registry);
    stops.push(web.stop);
  }
  if (role === "discord" || (role === "all" && env.DISCORD_TOKEN)) {
    const { startDiscord } = await import("./platforms/discord/index.ts");
    const discord = await startDiscord(services, registry).catch((err: unknown) => {
      throw new StartupStepError("discord", err);
    });
    services.log.info("discord client ready");
    provided.discord = discord.deliverer;
    stops.push(() => discord.stop());
  }
  if (role === "worker" || role === "all") stops.push(await startWorker(services, registry, controller.signal, provided));
}

function needsWeb(env: Env): boolean {
  return Boolean(env.SLACK_BOT_TOKEN || env.API_KEYS.length);
}

main(process.argv.slice(2)).catch((err) => {
  let env: Env | null = null;
  try {
    env = loadEnv();
  } catch {
    env = null;
  }
  const failure = describeStartupFailure(err, env);
  process.stderr.write(`${failure.message}\n`);
  if (env?.LOG_LEVEL === "debug" || env?.LOG_LEVEL === "trace") process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(failure.exitCode);
});
