import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIAttachment, APIUser } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translate } from "../../src/i18n.ts";
import { attachmentOrigins, DISCORD_CDN_HOSTS, mayFetchAttachment } from "../../src/platforms/discord/attachments.ts";
import { PNG_BYTES } from "../helpers/services.ts";
import { IDS, interact, newUser, randomHash, startHarness, textOf, type Harness } from "./helpers.ts";

/**
 * Attachments are fetched from Discord's CDN only, over https, and never through a redirect. The
 * real discord.js client receives the proof with its screenshot from the gateway stand-in; the
 * stand-in's own origin stands in for the CDN because DISCORD_API_URL names it (as in every
 * Discord test); a second server on 127.0.0.1, another origin, plays the foreign host and counts
 * what reaches it.
 */
let h: Harness;
let foreign: Server;
let foreignBase: string;
const foreignRequests: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  foreign = createServer((req, res) => {
    foreignRequests.push(req.url ?? "");
    res.writeHead(200, { "content-type": "image/png", "content-length": String(PNG_BYTES.length) }).end(Buffer.from(PNG_BYTES));
  });
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  foreignBase = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => foreign?.close(() => resolve()));
});

async function proofWith(customer: APIUser, screenshot: APIAttachment) {
  await interact(h.standIn, h.standIn.slashCommand({ user: customer, roles: [IDS.memberRole] }, "topup", [
    { name: "method", value: "trc20" },
    { name: "amount", value: "10" },
  ]));
  const order = await h.services.prisma.topupOrder.findFirstOrThrow({ where: { customerUserId: customer.id } });
  const answer = await interact(h.standIn, h.standIn.slashCommand({ user: customer, roles: [IDS.memberRole] }, "proof", [
    { name: "order", value: order.orderNo },
    { name: "tx_hash", value: randomHash() },
  ], { screenshot }));
  return { answer, order: await h.services.prisma.topupOrder.findUniqueOrThrow({ where: { id: order.id } }) };
}

describe("Discord attachment downloads", () => {
  it("downloads from the CDN (here the stand-in's)", async () => {
    const { answer, order } = await proofWith(newUser("Cdn Carla"), h.standIn.addAttachment("receipt.png", PNG_BYTES, "image/png"));
    expect(textOf(answer.sent)).toContain(translate("en", "topups.proof.received", { order: order.orderNo }));
    expect(order.status).toBe("submitted");
    expect(await h.services.files.get(order.screenshotSha256!)).toEqual(PNG_BYTES);
  });

  it("refuses an attachment on another host without sending it a single request", async () => {
    const real = h.standIn.addAttachment("receipt.png", PNG_BYTES, "image/png");
    const elsewhere = { ...real, url: `${foreignBase}${new URL(real.url).pathname}`, proxy_url: `${foreignBase}/proxy.png` };
    const before = foreignRequests.length;
    const { answer, order } = await proofWith(newUser("Foreign Fay"), elsewhere);
    expect(textOf(answer.sent)).toContain(translate("en", "discord.attachment_failed", { name: "receipt.png" }));
    expect(order.status).toBe("pending");
    expect(foreignRequests.slice(before)).toEqual([]);
  });

  it("does not follow a redirect, even one to a place it would not fetch from", async () => {
    const redirecting = h.standIn.addRedirectingAttachment("receipt.png", `${foreignBase}/stolen.png`, "image/png");
    const before = { foreign: foreignRequests.length, cdn: h.standIn.cdnRequests.length };
    const { answer, order } = await proofWith(newUser("Redirected Rita"), redirecting);
    expect(textOf(answer.sent)).toContain(translate("en", "discord.attachment_failed", { name: "receipt.png" }));
    expect(order.status).toBe("pending");
    expect(h.standIn.cdnRequests.slice(before.cdn)).toEqual([new URL(redirecting.url).pathname]);
    expect(foreignRequests.slice(before.foreign)).toEqual([]);
  });

  it("does not follow a redirect within the CDN either: a 3xx is a failed download", async () => {
    const target = h.standIn.addAttachment("moved.png", PNG_BYTES, "image/png");
    const redirecting = h.standIn.addRedirectingAttachment("receipt.png", target.url, "image/png", 301);
    const before = h.standIn.cdnRequests.length;
    const { answer, order } = await proofWith(newUser("Moved Mo"), redirecting);
    expect(textOf(answer.sent)).toContain(translate("en", "discord.attachment_failed", { name: "receipt.png" }));
    expect(order.status).toBe("pending");
    expect(h.standIn.cdnRequests.slice(before)).toEqual([new URL(redirecting.url).pathname]);
  });
});

describe("the attachment allow-list", () => {
  const production = attachmentOrigins(undefined);

  it("is Discord's CDN over https, and nothing else, when DISCORD_API_URL is unset", () => {
    expect(DISCORD_CDN_HOSTS).toEqual(["cdn.discordapp.com", "media.discordapp.net"]);
    expect(production).toEqual(["https://cdn.discordapp.com", "https://media.discordapp.net"]);
    const signed = "/attachments/1012345678900020080/1234567891233211234/receipt.png?ex=65d903de&is=65c68ede&hm=2481f30d&";
    expect(mayFetchAttachment(`https://cdn.discordapp.com${signed}`, production)).toBe(true);
    expect(mayFetchAttachment(`https://media.discordapp.net${signed}`, production)).toBe(true);
    expect(mayFetchAttachment(`https://CDN.DiscordApp.com:443${signed}`, production)).toBe(true);
    for (const refused of [
      `http://cdn.discordapp.com${signed}`,
      `https://cdn.discordapp.com:8443${signed}`,
      `https://cdn.discordapp.com.example.net${signed}`,
      `https://evil-cdn.discordapp.com${signed}`,
      `https://discordapp.com${signed}`,
      `https://127.0.0.1${signed}`,
      `ftp://cdn.discordapp.com${signed}`,
      "not a url",
    ]) {
      expect(mayFetchAttachment(refused, production), refused).toBe(false);
    }
  });

  it("adds only DISCORD_API_URL's own origin (scheme, host and port) when a stand-in is configured", () => {
    const withStandIn = attachmentOrigins("http://127.0.0.1:45123/api");
    expect(withStandIn).toEqual([...production, "http://127.0.0.1:45123"]);
    expect(mayFetchAttachment("http://127.0.0.1:45123/attachments/1/2/a.png", withStandIn)).toBe(true);
    expect(mayFetchAttachment("http://127.0.0.1:45124/attachments/1/2/a.png", withStandIn)).toBe(false);
    expect(mayFetchAttachment("https://127.0.0.1:45123/attachments/1/2/a.png", withStandIn)).toBe(false);
    expect(mayFetchAttachment("http://localhost:45123/attachments/1/2/a.png", withStandIn)).toBe(false);
  });
});
