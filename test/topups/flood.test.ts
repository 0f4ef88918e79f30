import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import type { Caller } from "../../src/core/command.ts";
import { dispatch } from "../../src/core/dispatch.ts";
import { translate } from "../../src/i18n.ts";
import type { Services } from "../../src/services.ts";
import { lastOrderNo, runConsole } from "../helpers/consoleScript.ts";
import { createTestServices, PNG_BYTES } from "../helpers/services.ts";

const png = path.join(mkdtempSync(path.join(tmpdir(), "cd-flood-")), "pay.png");
writeFileSync(png, PNG_BYTES);
const madeUp = (n: number) => "0x" + n.toString(16).padStart(64, "0");

let services: Services;
afterEach(async () => {
  await services?.db.close();
});

/** A customer cannot flood the support channel: undecided orders are capped, and attempts are rate-limited per user. */
describe("flooding the support desk", () => {
  it("a made-up hash does not free a slot: at most 5 orders wait for payment or review, so at most 5 cards", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    for (let i = 1; i <= 5; i++) {
      const out = await runConsole(services, [`topup erc20 ${10 + i}`]);
      await runConsole(services, [`proof ${lastOrderNo(out)} ${madeUp(i)} ${png}`]);
    }
    expect(await services.prisma.topupOrder.count({ where: { status: "submitted" } })).toBe(5);
    const before = await services.prisma.outboxMessage.count({ where: { kind: "support_card" } });
    const sixth = await runConsole(services, ["topup erc20 20"]);
    expect(sixth).toContain(`⚠️ ${translate("en", "errors.too_many_open_orders", { max: 5 })}`);
    expect(await services.prisma.topupOrder.count()).toBe(5);
    expect(await services.prisma.outboxMessage.count({ where: { kind: "support_card" } })).toBe(before);
  });

  it("top-ups are rate-limited per user: past 20 attempts in 10 minutes, refused with nothing written", async () => {
    services = await createTestServices({ env: { TRIAL_STAGE1_USD: "0" } });
    const caller: Caller = { platform: "slack", workspaceId: "T1", userId: "U_FLOOD", locale: "en", isSupport: false };
    for (let i = 0; i < 20; i++) {
      const reply = await dispatch(registry, services, caller, "topup", {});
      expect(reply.error).toBeUndefined();
    }
    const orders = await services.prisma.topupOrder.count();
    const refused = await dispatch(registry, services, caller, "topup", { method: "erc20", amount: "10" });
    expect(refused.error).toBe(true);
    const [before, after] = translate("en", "errors.rate_limited", { minutes: 999 }).split("999");
    expect(refused.summary!.startsWith(before) && refused.summary!.endsWith(after)).toBe(true);
    expect(Number(refused.summary!.slice(before.length, refused.summary!.length - after.length))).toBeLessThanOrEqual(10);
    expect(await services.prisma.topupOrder.count()).toBe(orders);
    // Someone else is not slowed down by it.
    const other = await dispatch(registry, services, { ...caller, userId: "U_OTHER" }, "topup", { method: "erc20", amount: "10" });
    expect(other.error).toBeUndefined();
  });
});
