import { z } from "zod";
import { defineCommand } from "../src/core/command.ts";
import { optionalText } from "../src/core/inputs.ts";
import { UserError } from "../src/errors.ts";
import { QUEUE_PAGE_SIZE, queuePages, queueView } from "../src/views/queueView.ts";

/** Open submissions, oldest first, a page at a time: what support has to decide. */
export default defineCommand({
  name: "queue",
  audience: "support",
  auditAction: "queue.view",
  descriptionKey: "commands.queue.description",
  options: [{ name: "page", kind: "string", required: false, descriptionKey: "commands.queue.options.page" }],
  input: z.object({ page: optionalText(8) }),
  async handle(input, ctx) {
    const { prisma, methods } = ctx.services;
    const asked = input.page === undefined ? 1 : /^\d{1,6}$/.test(input.page) ? Number(input.page) : NaN;
    if (!(asked >= 1)) throw new UserError("errors.invalid_field", { field: "page" }, "page");
    const where = { status: "submitted" as const };
    const total = await prisma.topupOrder.count({ where });
    // Past the end (decisions shrank the queue since the pager was drawn) is the last page, not an empty one.
    const page = Math.min(asked, queuePages(total));
    const orders = await prisma.topupOrder.findMany({
      where,
      orderBy: [{ submittedAt: "asc" }, { orderNo: "asc" }],
      skip: (page - 1) * QUEUE_PAGE_SIZE,
      take: QUEUE_PAGE_SIZE,
    });
    return queueView({ orders, total, page }, { methods, locale: ctx.locale }, ctx.t);
  },
});
