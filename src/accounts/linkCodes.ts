import { createHash, randomInt } from "node:crypto";
import { recordAudit } from "../audit/recordAudit.ts";
import type { Platform } from "../core/command.ts";
import type { PrismaClient } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { UserError } from "../errors.ts";

/**
 * Linked onboarding (PRODUCT §2): the platform issues a one-time, expiring code for an existing
 * account, and the customer redeems it in chat. Only a hash of the code is stored, so a database
 * leak does not hand out accounts; the code itself is shown once, to whoever issued it.
 */

/** No 0/O, 1/I/L: codes are read aloud and typed from a screen. 31 symbols × 12 ≈ 59 bits. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 12;
export const LINK_CODE_MAX_TTL_MINUTES = 7 * 24 * 60;
export const LINK_CODE_DEFAULT_TTL_MINUTES = 60;

export function normalizeLinkCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

export function hashLinkCode(code: string): string {
  return createHash("sha256").update(normalizeLinkCode(code)).digest("hex");
}

function newCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code.match(/.{4}/g)!.join("-");
}

export interface IssuedLinkCode {
  code: string;
  accountId: string;
  expiresAt: Date;
}

export async function issueLinkCode(
  prisma: PrismaClient,
  args: { accountId: string; ttlMinutes?: number; now?: Date },
): Promise<IssuedLinkCode> {
  const ttl = args.ttlMinutes ?? LINK_CODE_DEFAULT_TTL_MINUTES;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > LINK_CODE_MAX_TTL_MINUTES) {
    throw new RangeError(`ttlMinutes must be a whole number from 1 to ${LINK_CODE_MAX_TTL_MINUTES}`);
  }
  const accountId = args.accountId.toLowerCase();
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!account) throw new UserError("errors.account_not_found", { id: accountId });
  const expiresAt = new Date((args.now ?? new Date()).getTime() + ttl * 60_000);
  const code = newCode();
  await prisma.linkCode.create({ data: { codeHash: hashLinkCode(code), accountId, expiresAt } });
  return { code, accountId, expiresAt };
}

export interface ChatIdentityInput {
  platform: Platform;
  workspaceId: string;
  userId: string;
  displayName?: string;
  locale?: string;
}

/**
 * Attaches a chat identity to the code's account. A code works once: the conditional update
 * consumes it, so two people racing with one code cannot both win. Nothing is consumed when the
 * identity is already linked.
 */
export async function redeemLinkCode(
  prisma: PrismaClient,
  args: { code: string; identity: ChatIdentityInput; now?: Date },
): Promise<{ accountId: string }> {
  const codeHash = hashLinkCode(args.code);
  const now = args.now ?? new Date();
  const { identity } = args;
  const who = `${identity.platform}:${identity.workspaceId}:${identity.userId}`;
  try {
    return await prisma.$transaction(async (tx) => {
      const linked = await tx.chatIdentity.findUnique({
        where: { platform_workspaceId_userId: { platform: identity.platform, workspaceId: identity.workspaceId, userId: identity.userId } },
      });
      const code = await tx.linkCode.findUnique({ where: { codeHash } });
      if (!code) throw new UserError("errors.link_code_invalid", {}, "code");
      if (linked && linked.accountId === code.accountId) throw new UserError("errors.link_already_linked", { accountId: linked.accountId });
      if (linked) throw new UserError("errors.link_other_account", {}, "code");

      const consumed = await tx.linkCode.updateMany({
        where: { codeHash, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now, usedBy: who },
      });
      if (consumed.count === 0) {
        throw new UserError(code.usedAt ? "errors.link_code_used" : "errors.link_code_expired", {}, "code");
      }
      await tx.chatIdentity.create({
        data: {
          accountId: code.accountId,
          platform: identity.platform,
          workspaceId: identity.workspaceId,
          userId: identity.userId,
          displayName: identity.displayName ?? null,
          locale: identity.locale ?? null,
        },
      });
      await recordAudit(tx, {
        actorType: "customer",
        actorId: identity.userId,
        platform: identity.platform,
        action: "account.link",
        outcome: "ok",
        accountId: code.accountId,
      });
      return { accountId: code.accountId };
    });
  } catch (err) {
    // The same person redeeming two codes at once: the other redemption linked them.
    if (isUniqueViolation(err)) {
      throw new UserError("errors.link_other_account", {}, "code");
    }
    throw err;
  }
}
