import type { Caller } from "../core/command.ts";
import { UserError } from "../errors.ts";
import type { Services } from "../services.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An account id, or a chat user as support would paste it (`<@U123>`, `<@123456>`, `U123`). */
export async function findAccountByQuery(services: Services, caller: Caller, query: string): Promise<string> {
  const text = query.trim();
  if (UUID.test(text)) {
    const account = await services.prisma.account.findUnique({ where: { id: text.toLowerCase() } });
    if (account) return account.id;
    throw new UserError("errors.account_not_found", { id: text }, "query");
  }
  const userId = /^<@!?([A-Za-z0-9]+)(\|[^>]*)?>$/.exec(text)?.[1] ?? text;
  const identity = await services.prisma.chatIdentity.findFirst({
    where: { userId, platform: caller.platform },
    orderBy: { createdAt: "desc" },
  });
  if (!identity) throw new UserError("errors.account_not_found", { id: text.slice(0, 60) }, "query");
  return identity.accountId;
}
