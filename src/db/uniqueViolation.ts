import { Prisma } from "./index.ts";

/**
 * A unique key refused the write: Prisma's P2002, or PostgreSQL's 23505 as the driver adapter or
 * the pg driver reports it (a raw query through Prisma, or the driver used directly).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === "P2002") return true;
    const meta = err.meta as { code?: string; driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } | undefined;
    if (meta?.code === "23505") return true;
    const cause = meta?.driverAdapterError?.cause;
    if (cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505") return true;
  }
  if ((err as { code?: unknown } | null)?.code === "23505") return true;
  return /23505|unique constraint/i.test(err instanceof Error ? err.message : "");
}
