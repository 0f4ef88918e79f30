import type { ViewStateValue } from "@slack/bolt";
import type { Caller } from "../../core/command.ts";
import type { RawArgs } from "../../core/dispatch.ts";
import { translate } from "../../i18n.ts";
import type { Logger } from "../../log.ts";
import { fieldOfBlockId } from "./blockKit.ts";
import { downloadSlackFile, type SlackFileRef } from "./files.ts";
import type { SlackApi } from "./webApi.ts";

/** What a submitted modal holds, by field name; a file that could not be fetched is an error on its field. */
export interface Submission {
  values: RawArgs;
  fileErrors?: Record<string, string>;
}

export type SubmittedState = Record<string, Record<string, ViewStateValue>>;

export type SubmissionReader = (state: SubmittedState, caller: Caller) => Promise<Submission>;

export interface SubmissionReaderDeps {
  api: SlackApi;
  botToken: string;
  apiUrl: string;
  maxBytes: number;
  log: Logger;
}

/** Reads a modal's state.values into field values; file inputs are downloaded here (Slack's links expire). */
export function createSubmissionReader(deps: SubmissionReaderDeps): SubmissionReader {
  return async (state, caller) => {
    const submission: Submission = { values: {} };
    for (const [blockId, actions] of Object.entries(state)) {
      const field = fieldOfBlockId(blockId);
      if (!field) continue;
      for (const value of Object.values(actions)) await readValue(deps, field, value, caller, submission);
    }
    return submission;
  };
}

async function readValue(deps: SubmissionReaderDeps, field: string, value: ViewStateValue, caller: Caller, into: Submission): Promise<void> {
  switch (value.type) {
    case "file_input": {
      const file = value.files?.[0] as SlackFileRef | undefined;
      if (!file) return;
      try {
        into.values[field] = await downloadSlackFile(file, { api: deps.api, botToken: deps.botToken, apiUrl: deps.apiUrl, maxBytes: deps.maxBytes });
      } catch (err) {
        deps.log.warn({ err: String(err), file: file.id }, "file download failed");
        into.fileErrors = { ...into.fileErrors, [field]: translate(caller.locale, "slack.file_download_failed") };
      }
      return;
    }
    case "static_select":
      if (value.selected_option?.value) into.values[field] = value.selected_option.value;
      return;
    default:
      if (typeof value.value === "string" && value.value.trim() !== "") into.values[field] = value.value;
  }
}
