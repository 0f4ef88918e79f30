import { issueLinkCode, type IssuedLinkCode } from "../accounts/linkCodes.ts";
import type { PrismaClient } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";

/** A link the CLI refuses, with the reason in words an operator reads. */
export class GatewayLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatewayLinkError";
  }
}

export interface GatewayLinkInput {
  accountId: string;
  gatewayUserId: number;
  linkedBy: string;
}

/**
 * Ties an account to a gateway user: from then on the credit the ledger posts to the account moves
 * that user's quota. One user per account and one account per user; linking the same pair again
 * changes nothing. Credit posted before the link is not carried over.
 */
export async function linkGatewayUser(prisma: PrismaClient, input: GatewayLinkInput): Promise<{ created: boolean }> {
  const accountId = input.accountId.toLowerCase();
  if (!Number.isSafeInteger(input.gatewayUserId) || input.gatewayUserId < 1) throw new GatewayLinkError("a gateway user id is a whole number from 1");
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!account) throw new GatewayLinkError(`no account ${accountId}`);
  const existing = await prisma.gatewayLink.findFirst({ where: { OR: [{ accountId }, { gatewayUserId: input.gatewayUserId }] } });
  if (existing) {
    if (existing.accountId === accountId && existing.gatewayUserId === input.gatewayUserId) return { created: false };
    throw existing.accountId === accountId
      ? new GatewayLinkError(`account ${accountId} is already linked to gateway user ${existing.gatewayUserId}`)
      : new GatewayLinkError(`gateway user ${input.gatewayUserId} is already linked to account ${existing.accountId}`);
  }
  try {
    await prisma.gatewayLink.create({ data: { accountId, gatewayUserId: input.gatewayUserId, linkedBy: input.linkedBy } });
  } catch (err) {
    if (isUniqueViolation(err)) return linkGatewayUser(prisma, input);
    throw err;
  }
  return { created: true };
}

export async function unlinkGatewayUser(prisma: PrismaClient, accountId: string): Promise<boolean> {
  const { count } = await prisma.gatewayLink.deleteMany({ where: { accountId: accountId.toLowerCase() } });
  return count > 0;
}

/**
 * Linked onboarding for a gateway user (ONBOARDING_MODE=linked): the account of the gateway user
 * (made now, with the default alert threshold, if it has none) and a one-time link code for it.
 * The gateway shows the code to its user, who types `link <code>` in Slack or Discord.
 */
export async function issueGatewayLinkCode(
  prisma: PrismaClient,
  args: { gatewayUserId: number; lowBalanceThreshold: bigint; ttlMinutes?: number; linkedBy: string; now?: Date },
): Promise<IssuedLinkCode & { created: boolean }> {
  const linked = await prisma.gatewayLink.findUnique({ where: { gatewayUserId: args.gatewayUserId } });
  let accountId = linked?.accountId;
  let created = false;
  if (!accountId) {
    const account = await prisma.account.create({ data: { lowBalanceThreshold: args.lowBalanceThreshold } });
    await linkGatewayUser(prisma, { accountId: account.id, gatewayUserId: args.gatewayUserId, linkedBy: args.linkedBy });
    accountId = account.id;
    created = true;
  }
  const issued = await issueLinkCode(prisma, { accountId, ttlMinutes: args.ttlMinutes, now: args.now });
  return { ...issued, created };
}
