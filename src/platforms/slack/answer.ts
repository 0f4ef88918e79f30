import type { Caller } from "../../core/command.ts";
import { translate } from "../../i18n.ts";
import type { Logger } from "../../log.ts";
import type { Block, Reply } from "../../reply.ts";
import { fallbackText, renderFormModal, renderMessage, renderResultModal, type RenderOptions, type SlackView } from "./blockKit.ts";
import type { FormContext } from "./invocations.ts";
import { postJson } from "./responseUrl.ts";
import { uploadFile } from "./uploadFile.ts";
import type { SlackApi } from "./webApi.ts";

/**
 * Where a reply goes in Slack. A form opens in a modal (views.open, or views.push over a modal).
 * A file the reply carries is shared in the user's direct messages with the app (see shareFiles).
 * Anything else goes to the response_url of the command or click when there is one (privately
 * unless the reply says otherwise); past its 30 minutes and 5 uses, to an ephemeral message in
 * the channel, then to a direct message. Without a response_url (App Home, a modal) it is shown
 * in the modal, or in a new one, or sent directly.
 */

/** Where the answer to an interaction goes. */
export interface Destination {
  caller: Caller;
  triggerId?: string;
  /** The response_url of a slash command or a message click. */
  responseUrl?: string;
  channelId?: string;
  /** The modal the interaction came from, to show the answer in place. */
  modalViewId?: string;
}

export interface Answerer {
  /** Shows a reply where the interaction came from. */
  answer(reply: Reply, where: Destination): Promise<void>;
  /** The modal of a reply's form, remembering where its answer should go. */
  formView(reply: Reply, caller: Caller, context: Omit<FormContext, "invocation">): SlackView;
  /** A modal that shows a reply. */
  resultView(reply: Reply, caller: Caller): SlackView;
}

export interface AnswererDeps {
  api: SlackApi;
  log: Logger;
  render: RenderOptions;
  /** POSTs to a response_url (a kept-alive node:http request unless a test says otherwise). */
  postJson?: (url: string, body: unknown) => Promise<void>;
}

export function createAnswerer(deps: AnswererDeps): Answerer {
  return new SlackAnswerer(deps.api, deps.log, deps.render, deps.postJson ?? postJson);
}

class SlackAnswerer implements Answerer {
  constructor(
    private readonly api: SlackApi,
    private readonly log: Logger,
    private readonly render: RenderOptions,
    private readonly post: (url: string, body: unknown) => Promise<void>,
  ) {}

  async answer(reply: Reply, where: Destination): Promise<void> {
    if (reply.form) return this.openForm(reply, where);
    const shown = await this.shareFiles(reply, where.caller);
    if (where.responseUrl) return this.toResponseUrl(where.responseUrl, shown, where);
    return this.inModalOrDirect(shown, where);
  }

  /**
   * A reply's files (the usage chart) go to the user's direct messages with the app, and the
   * reply says so in their place. An answer to a command is ephemeral, and Slack attaches no file
   * to an ephemeral message; sharing it in the channel would show a customer's spending to
   * everyone there, so the direct message is the one place that is both private and lasting. An
   * upload that fails costs the picture, never the answer.
   */
  private async shareFiles(reply: Reply, caller: Caller): Promise<Reply> {
    if (!reply.blocks.some((b) => b.type === "file")) return reply;
    let channel: string | undefined;
    const blocks: Block[] = [];
    for (const block of reply.blocks) {
      if (block.type !== "file") {
        blocks.push(block);
        continue;
      }
      try {
        channel ??= await this.directChannel(caller);
        await uploadFile(this.api, { channelId: channel, filename: block.name, bytes: block.bytes, title: block.title, altText: block.alt, initialComment: reply.summary ? fallbackText({ blocks: [], summary: reply.summary }) : undefined });
        blocks.push({ type: "context", text: translate(caller.locale, "usage_view.attachment.sent_to_dm", { title: block.title }) });
      } catch (err) {
        this.log.warn({ err: String(err), file: block.name }, "could not share a file in the user's direct messages");
        blocks.push({ type: "context", text: translate(caller.locale, "usage_view.attachment.not_sent") });
      }
    }
    return { ...reply, blocks };
  }

  private async directChannel(caller: Caller): Promise<string> {
    const opened = await this.api.call<{ channel?: { id?: string } }>("conversations.open", { users: caller.userId });
    if (!opened.channel?.id) throw new Error("conversations.open gave no channel");
    return opened.channel.id;
  }

  formView(reply: Reply, caller: Caller, context: Omit<FormContext, "invocation">): SlackView {
    return renderFormModal(reply, reply.form!, context, translate(caller.locale, "slack.close"), this.render);
  }

  resultView(reply: Reply, caller: Caller): SlackView {
    return renderResultModal(reply, translate(caller.locale, "slack.result_title"), translate(caller.locale, "slack.close"), this.render);
  }

  private async toResponseUrl(url: string, reply: Reply, where: Destination): Promise<void> {
    try {
      const responseType = reply.private === false ? "in_channel" : "ephemeral";
      await this.post(url, { ...renderMessage(reply, this.render), response_type: responseType, replace_original: reply.replaceSource === true });
    } catch (err) {
      this.log.warn({ err: String(err) }, "response_url failed");
      if (where.channelId && (await this.postEphemeral(where.caller, where.channelId, reply))) return;
      await this.sendDirect(where.caller, reply);
    }
  }

  private async openForm(reply: Reply, where: Destination): Promise<void> {
    const view = this.formView(reply, where.caller, { responseUrl: where.responseUrl, channelId: where.channelId });
    try {
      if (!where.triggerId) throw new Error("no trigger_id to open a form with");
      await this.api.call(where.modalViewId ? "views.push" : "views.open", { trigger_id: where.triggerId, view });
    } catch (err) {
      this.log.warn({ err: String(err), form: reply.form!.command }, "could not open the form");
      const expired: Reply = { blocks: [{ type: "text", text: translate(where.caller.locale, "slack.form_expired") }], private: true, error: true };
      await this.answer(expired, { ...where, triggerId: undefined });
    }
  }

  private async inModalOrDirect(reply: Reply, where: Destination): Promise<void> {
    if (where.modalViewId) {
      await this.api.call("views.update", { view_id: where.modalViewId, view: this.resultView(reply, where.caller) });
      return;
    }
    if (where.triggerId) {
      try {
        await this.api.call("views.open", { trigger_id: where.triggerId, view: this.resultView(reply, where.caller) });
        return;
      } catch (err) {
        this.log.warn({ err: String(err) }, "could not show the answer in a modal; sending it directly");
      }
    }
    await this.sendDirect(where.caller, reply);
  }

  private async sendDirect(caller: Caller, reply: Reply): Promise<void> {
    const channel = await this.directChannel(caller);
    await this.api.call("chat.postMessage", { channel, ...renderMessage(reply, this.render), unfurl_links: false });
  }

  /** Only the caller sees it; false when the bot may not post there (not in the channel). */
  private async postEphemeral(caller: Caller, channel: string, reply: Reply): Promise<boolean> {
    try {
      await this.api.call("chat.postEphemeral", { channel, user: caller.userId, ...renderMessage(reply, this.render) });
      return true;
    } catch (err) {
      this.log.warn({ err: String(err) }, "chat.postEphemeral failed");
      return false;
    }
  }
}
