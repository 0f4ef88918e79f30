import { z } from "zod";
import { displayTxHash } from "../src/chain/txHash.ts";
import { resolveAccount } from "../src/accounts/resolveAccount.ts";
import { defineCommand, type CommandContext } from "../src/core/command.ts";
import { optionalText, uploadedFile } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { formatBytes } from "../src/files/sniffImage.ts";
import type { Reply } from "../src/reply.ts";
import { findMethod } from "../src/methods/paymentMethods.ts";
import { findOrder } from "../src/topups/findOrder.ts";
import { proofReference } from "../src/topups/proofReference.ts";
import { submitProof } from "../src/topups/submitProof.ts";

export default defineCommand({
  name: "proof",
  audience: "customer",
  rateLimit: { max: 20, windowSeconds: 600 },
  descriptionKey: "commands.proof.description",
  options: [
    { name: "order", kind: "string", required: false, descriptionKey: "commands.proof.options.order" },
    { name: "txHash", kind: "string", required: false, descriptionKey: "commands.proof.options.txHash" },
    { name: "screenshot", kind: "attachment", required: false, descriptionKey: "commands.proof.options.screenshot" },
  ],
  input: z.object({ order: optionalText(64), txHash: optionalText(200), screenshot: uploadedFile.optional() }),
  async handle(input, ctx) {
    const account = await resolveAccount(ctx.services, ctx.caller);
    const orderRef = input.order ?? (await onlyPendingOrder(ctx, account.id));
    if (!input.txHash || !input.screenshot) return proofForm(ctx, orderRef, account.id, input.txHash);
    const order = await submitProof(ctx.services, {
      accountId: account.id,
      caller: ctx.caller,
      orderRef,
      txHash: input.txHash,
      screenshot: input.screenshot,
    });
    return {
      blocks: [{ type: "text", text: ctx.t("topups.proof.received", { order: order.orderNo }) }],
      private: true,
      summary: ctx.t("topups.proof.received", { order: order.orderNo }),
    };
  },
});

async function onlyPendingOrder(ctx: CommandContext, accountId: string): Promise<string> {
  const pending = await ctx.services.prisma.topupOrder.findMany({
    where: { accountId, status: "pending", expiresAt: { gt: ctx.services.now() } },
    orderBy: { createdAt: "desc" },
    take: 2,
  });
  if (pending.length === 1) return pending[0].orderNo;
  throw new UserError(pending.length === 0 ? "errors.no_pending_order" : "errors.order_required", {}, "order");
}

/**
 * The form that asks for what is missing. A hash typed without its screenshot is checked now,
 * against the order's network: a wrong one is said at once (nothing is written), a right one
 * waits in the form, so only the screenshot is left to add.
 */
async function proofForm(ctx: CommandContext, orderRef: string, accountId: string, typedProof: string | undefined): Promise<Reply> {
  const { t } = ctx;
  const order = typedProof
    ? await findOrder(ctx.services.prisma, orderRef, { accountId })
    : await ctx.services.prisma.topupOrder.findFirst({ where: { orderNo: orderRef.toUpperCase(), accountId } });
  const method = order ? findMethod(ctx.services.methods, order.methodId) : undefined;
  const manual = method?.kind === "manual";
  const proof = typedProof && method ? proofReference(method, typedProof).txHash : undefined;
  return {
    blocks: [{ type: "text", text: t("topups.proof.form_intro", { order: orderRef }) }],
    private: true,
    form: {
      command: "proof",
      args: { order: orderRef },
      title: t("topups.proof.form_title"),
      submitLabel: t("topups.proof.form_submit"),
      fields: [
        {
          kind: "text",
          name: "txHash",
          label: t(manual ? "topups.proof.reference" : "topups.proof.tx_hash"),
          required: true,
          placeholder: manual ? "REF-2026-0001" : "0x…",
          maxLength: 200,
          ...(proof && method ? { initial: method.kind === "usdt" ? displayTxHash(method.family, proof) : proof } : {}),
        },
        { kind: "file", name: "screenshot", label: t("topups.proof.screenshot"), required: true, hint: t("topups.proof.screenshot_hint", { limit: formatBytes(ctx.services.env.SCREENSHOT_MAX_BYTES) }) },
      ],
    },
  };
}
