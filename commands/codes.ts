import { z } from "zod";
import { findAccountOf } from "../src/accounts/resolveAccount.ts";
import { creationKey } from "../src/codes/codeHash.ts";
import { createCodeBatch } from "../src/codes/createCodeBatch.ts";
import { disableCodeBatch } from "../src/codes/disableCodeBatch.ts";
import { findCodeBatch } from "../src/codes/findCodeBatch.ts";
import { listCodeBatches } from "../src/codes/listCodeBatches.ts";
import { parseBatchSpec, type BatchSpecInput } from "../src/codes/parseBatchSpec.ts";
import { defineCommand, type Caller } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { translate } from "../src/i18n.ts";
import { deciderLabel, deciderOf } from "../src/topups/decider.ts";
import { codeBatchReply, codesCreatedReply, codesDisabledReply, codesListReply } from "../src/views/codesView.ts";

const ACTIONS = ["create", "list", "show", "disable"] as const;
type Action = (typeof ACTIONS)[number];
const FIELDS = ["amount", "count", "expires", "uses", "eligible", "batch", "note"] as const;
type Field = (typeof FIELDS)[number];
type Fields = Partial<Record<Field, string>>;
/** The words a create takes in order when typed without names: `codes create 5 100 30d 1 new`. */
const CREATE_ORDER: Field[] = ["amount", "count", "expires", "uses", "eligible"];

/**
 * Slack hands over a typed line one word per option, in the order declared: put back together,
 * it is read again here, so that `name=value` works on Slack as it does on the console
 * (`codes create 5 100 eligible=new note=spring campaign`): words after a name=value belong to it.
 */
function fieldsFromTypedLine(input: Fields, action: Action): Fields {
  const words = FIELDS.flatMap((f) => input[f]?.split(/\s+/) ?? []).filter(Boolean);
  const order: Field[] = action === "create" ? CREATE_ORDER : ["batch"];
  const fields: Fields = {};
  let named: Field | undefined;
  let position = 0;
  for (const word of words) {
    const match = /^([a-z]+)=(.*)$/i.exec(word);
    if (match && (FIELDS as readonly string[]).includes(match[1].toLowerCase())) {
      named = match[1].toLowerCase() as Field;
      fields[named] = match[2];
    } else if (named) {
      fields[named] = `${fields[named]} ${word}`.trim();
    } else if (position < order.length) {
      fields[order[position++]] = word;
    } else {
      fields.note = fields.note ? `${fields.note} ${word}` : word;
    }
  }
  return fields;
}

/** Discord and the console name their options; a batch typed first, where the amount would go, is a batch all the same. */
function fieldsOf(input: Fields, action: Action, caller: Caller): Fields {
  if (caller.platform === "slack") return fieldsFromTypedLine(input, action);
  return action !== "create" && !input.batch && input.amount ? { ...input, batch: input.amount } : input;
}

/**
 * `codes [create|list|show|disable] …`: support makes batches of redemption codes (amount, count,
 * expiry, uses per code, who may redeem), lists them with their usage, and disables one. The
 * codes are shown once, in the answer and as a CSV file; only their HMACs are kept.
 */
export default defineCommand({
  name: "codes",
  audience: "support",
  auditAction: "redemption_codes.manage",
  descriptionKey: "codes.command.codes.description",
  options: [
    {
      name: "action",
      kind: "string",
      required: false,
      descriptionKey: "codes.command.codes.options.action",
      choices: (_services, locale) => ACTIONS.map((a) => ({ value: a, label: translate(locale, `codes.actions.${a}`) })),
    },
    { name: "amount", kind: "string", required: false, descriptionKey: "codes.command.codes.options.amount" },
    { name: "count", kind: "string", required: false, descriptionKey: "codes.command.codes.options.count" },
    { name: "expires", kind: "string", required: false, descriptionKey: "codes.command.codes.options.expires" },
    { name: "uses", kind: "string", required: false, descriptionKey: "codes.command.codes.options.uses" },
    { name: "eligible", kind: "string", required: false, descriptionKey: "codes.command.codes.options.eligible" },
    { name: "batch", kind: "string", required: false, descriptionKey: "codes.command.codes.options.batch" },
    { name: "note", kind: "string", required: false, descriptionKey: "codes.command.codes.options.note" },
  ],
  input: z.object({
    action: optionalText(40),
    amount: optionalText(400),
    count: optionalText(400),
    expires: optionalText(400),
    uses: optionalText(400),
    eligible: optionalText(4000),
    batch: optionalText(400),
    note: optionalText(4000),
  }),
  async handle(input, ctx) {
    const { services, caller, t } = ctx;
    const action = (input.action ?? "list").toLowerCase();
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UserError("codes.errors.unknown_action", { action: action.slice(0, 40) }, "action");
    const fields = fieldsOf(input, action as Action, caller);
    const now = services.now();
    const by = { type: "support" as const, id: deciderLabel(deciderOf(caller)), platform: caller.platform };

    if (action === "list") return codesListReply(await listCodeBatches(services.prisma), t, now);
    if (action === "create") {
      const spec = parseBatchSpec(fields as BatchSpecInput, now);
      const created = await createCodeBatch(services.prisma, {
        spec,
        key: creationKey(services.env),
        newAccountDays: services.env.CODES_NEW_ACCOUNT_DAYS,
        createdBy: by,
        createdByAccount: await findAccountOf(services, caller),
      });
      return codesCreatedReply(created, t);
    }
    if (!fields.batch) throw new UserError("codes.errors.batch_required", { action }, "batch");
    if (action === "show") return codeBatchReply(await findCodeBatch(services.prisma, fields.batch), t, now);
    const disabled = await disableCodeBatch(services.prisma, { ref: fields.batch, by, now });
    return codesDisabledReply(await findCodeBatch(services.prisma, disabled.batchNo), t);
  },
});
