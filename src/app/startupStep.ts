/** A start-up step that failed, so the message can say which service and which variable. */
export class StartupStepError extends Error {
  constructor(
    readonly step: "database" | "slack" | "discord",
    readonly failure: unknown,
  ) {
    super(`${step}: ${failure instanceof Error ? failure.message : String(failure)}`);
    this.name = "StartupStepError";
  }
}
