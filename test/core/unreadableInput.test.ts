import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * A NUL or a lone surrogate in a typed argument cannot be stored or compared by PostgreSQL (22021,
 * 22P05). Dispatch refuses it with a message in the caller's language before any command runs,
 * and a refused support command's audit row keeps what was typed with such characters replaced.
 */
describe("unreadable characters in typed text", () => {
  let services: Services;
  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(async () => {
    await services?.db.close();
  });

  const customer: Caller = { platform: "console", workspaceId: "local", userId: "nul-customer", locale: "zh-CN", isSupport: false };
  const support: Caller = { platform: "console", workspaceId: "local", userId: "nul-support", locale: "en", isSupport: true };
  const written = async () => [await services.prisma.account.count(), await services.prisma.topupOrder.count(), await services.prisma.outboxMessage.count(), await services.prisma.ledgerEntry.count()];

  it.each([
    ["proof", "a NUL as the order", customer, { order: "\u0000" }, "order"],
    ["proof", "a lone high surrogate in the hash", customer, { order: "CD-000001", tx: "0xab\ud800" }, "tx"],
    ["account", "a NUL in the look-up", support, { query: "\u0000abc" }, "query"],
    ["balance", "a lone low surrogate", customer, { note: "\udc00" }, "note"],
    ["topup", "a BEL in the method", customer, { method: "trc20\u0007", amount: "10" }, "method"],
  ] as const)("%s with %s: refused in the caller's language, nothing written", async (command, _what, caller, args, field) => {
    const before = await written();
    const reply = await dispatch(registry, services, caller, command, args);
    expect(reply.error).toBe(true);
    expect(reply.summary).toBe(translate(caller.locale, "errors.unreadable_characters", { field }));
    expect(reply.fieldErrors?.[field]).toBeDefined();
    expect(await written()).toEqual(before);
  });

  it("a customer's support command with a NUL is refused as not support, and its audit row is stored", async () => {
    const reply = await dispatch(registry, services, customer, "confirm", { order: "CD-000001", note: "a\u0000b\ud800" });
    expect(reply.summary).toBe(translate("zh-CN", "errors.not_support"));
    const refusal = await services.prisma.auditLog.findFirstOrThrow({ where: { actorId: "nul-customer", outcome: "refused:not_support" }, orderBy: { id: "desc" } });
    expect(refusal.detail).toMatchObject({ order: "CD-000001", note: "a\ufffdb\ufffd" });
  });

  it("text with emoji, Chinese, tabs and line breaks is not refused", async () => {
    const reply = await dispatch(registry, services, customer, "balance", { note: "余额 😀\tok\nline" });
    expect(reply.summary ?? "").not.toBe(translate("zh-CN", "errors.unreadable_characters", { field: "note" }));
  });
});
