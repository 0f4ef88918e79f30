import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";

/** Rights are enforced once, in dispatch: no support command runs for a customer, whatever it names. */
describe("dispatch enforces a command's audience", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const customer: Caller = { platform: "slack", workspaceId: "T1", userId: "U_CUSTOMER", locale: "zh-CN", isSupport: false };
  const support = registry.commands.filter((c) => c.audience === "support");

  it("has support commands to guard", () => {
    expect(support.map((c) => c.name)).toEqual(expect.arrayContaining(["confirm", "reject", "reopen", "recheck", "queue", "account", "payment-credit", "payment-dismiss"]));
  });

  it.each(support.map((c) => [c.name, c] as const))("%s: refused to a customer, audited, and nothing else is written", async (name, definition) => {
    const countsBefore = [await services.prisma.account.count(), await services.prisma.outboxMessage.count(), await services.prisma.ledgerEntry.count()];
    const reply = await dispatch(registry, services, customer, name, { order: "CD-000001", payment: "P-000001", query: "U_SOMEONE", target: "CD-000002" });
    expect(reply.error).toBe(true);
    expect(reply.summary).toBe(translate("zh-CN", "errors.not_support"));
    const refusal = await services.prisma.auditLog.findFirstOrThrow({ where: { actorId: "U_CUSTOMER", outcome: "refused:not_support" }, orderBy: { id: "desc" } });
    expect(refusal).toMatchObject({ action: definition.auditAction ?? `command.${name}`, platform: "slack", actorType: "customer" });
    // The handler never ran: not even the customer's account was created.
    expect([await services.prisma.account.count(), await services.prisma.outboxMessage.count(), await services.prisma.ledgerEntry.count()]).toEqual(countsBefore);
  });
});
