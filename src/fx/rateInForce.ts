import type { Tx } from "../db/index.ts";

export interface RateInForce {
  currency: string;
  /** micro-units of the currency per USD */
  rate: bigint;
  /** The database's rate (set by support) wins over the payment methods file's. */
  source: "database" | "config";
  setBy?: string;
  updatedAt?: Date;
}

/**
 * The rate a new order in this currency is priced at: the one support set last, else the one in
 * the payment methods file, else none (such a method takes no orders until a rate is set). An
 * existing order never asks: it keeps the rate it was created with.
 */
export async function rateInForce(db: Tx, currency: string, configured: bigint | undefined): Promise<RateInForce | null> {
  const stored = await db.fxRate.findUnique({ where: { currency } });
  if (stored) return { currency, rate: stored.rate, source: "database", setBy: stored.setBy, updatedAt: stored.updatedAt };
  if (configured !== undefined) return { currency, rate: configured, source: "config" };
  return null;
}

/** Every rate support has set, by currency. */
export async function storedRates(db: Tx) {
  return db.fxRate.findMany({ orderBy: { currency: "asc" } });
}
