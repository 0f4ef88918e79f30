export * from "./rates.ts";
export * from "./limiters.ts";
