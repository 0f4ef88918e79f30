export * from "./rates.ts";
export * from "./limiters.ts";
export * from "./slack.ts";
