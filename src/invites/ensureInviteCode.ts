import type { PrismaClient } from "../db/index.ts";
import { isUniqueViolation } from "../db/uniqueViolation.ts";
import { newInviteCode } from "./inviteCode.ts";

/** The account's invite code, made the first time it is asked for. */
export async function ensureInviteCode(prisma: PrismaClient, accountId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await prisma.inviteCode.findUnique({ where: { accountId }, select: { code: true } });
    if (existing) return existing.code;
    try {
      const created = await prisma.inviteCode.create({ data: { accountId, code: newInviteCode() } });
      return created.code;
    } catch (err) {
      // Two first asks at once (the loop reads the winner's), or a code already taken (drawn again).
      if (!isUniqueViolation(err)) throw err;
    }
  }
  throw new Error(`could not make an invite code for account ${accountId}`);
}
