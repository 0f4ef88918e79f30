import { readFileSync } from "node:fs";
import { z } from "zod";
import { applyBps, formatUsd, usdSchema } from "../ledger/money.ts";
import { BASE_CURRENCY, currencyCodeSchema, rateSchema } from "../fx/currency.ts";
import { xpubProblem } from "../chain/hdAddress.ts";
import { httpRpcUrls, wsRpcUrls } from "../chain/network.ts";
import { isTronBase58Address } from "../chain/tron.ts";

/**
 * Payment methods are configured, not coded (PRODUCT §3). The file is JSON, validated here;
 * config/payment-methods.demo.json is the documented example. Amounts are USD strings in the
 * file and micro-USD bigints once parsed.
 */
const usdAmount = usdSchema('a USD amount as a string, such as "10" or "0.5"');

export const bonusTierSchema = z.object({
  /** The tier applies to a confirmed principal at or above this amount... */
  min: usdAmount,
  /** ...or, with `exclusive`, strictly above it (the "more than $1,000" row of the seeds). */
  exclusive: z.boolean().default(false),
  /** Basis points: 300 = 3%. */
  bps: z.number().int().min(0).max(100_000),
});

export const bonusPolicySchema = z
  .object({
    /** A flat rate on every confirmed principal, in basis points (2000 = 20%). */
    flatBps: z.number().int().min(0).max(100_000).default(0),
    /** A tier table: the highest tier the principal reaches applies (in addition to flatBps). */
    tiers: z.array(bonusTierSchema).default([]),
  })
  .default({ flatBps: 0, tiers: [] });

/**
 * A preset top-up amount (the tiers of 002): the customer picks it instead of typing an amount,
 * pays the amount less its discount, and is credited the whole amount (the discount as bonus).
 */
export const presetSchema = z.object({
  amount: usdAmount,
  /** Basis points off the amount: 1000 = 10%. Below 100% by construction. */
  discountBps: z.number().int().min(0).max(9_999).default(0),
});

const hexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address");
const tronAddress = z.string().regex(/^T[1-9A-HJ-NP-Za-km-z]{33}$/, "a base58 TRON address starting with T");

/** A method's maximum when its file names none. */
export const DEFAULT_MAXIMUM_USD = "100000";

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "lowercase letters, digits, - and _"),
  label: z.record(z.string(), z.string()).refine((m) => "en" in m, "needs an \"en\" label"),
  bonus: bonusPolicySchema,
  minimum: usdAmount,
  /** The most one order may ask for, and support may credit by hand; every method has one. */
  maximum: usdAmount.prefault(DEFAULT_MAXIMUM_USD),
  presets: z.array(presetSchema).max(25, "at most 25 presets (a select holds 25 choices on Discord)").default([]),
};

export const ATTRIBUTION_MODES = ["unique-amount", "per-account-address", "none"] as const;
export type AttributionMode = (typeof ATTRIBUTION_MODES)[number];

/** How the unique amounts of one shared deposit address are made: requested + k × step, 1 ≤ k ≤ maxSuffix / step. */
const uniqueAmountSchema = z
  .object({
    step: usdAmount.prefault("0.0001"),
    maxSuffix: usdAmount.prefault("0.0999"),
  })
  .prefault({});

/** The log scan that detects payments without a hash (eth_getLogs from a cursor per network). */
const logScanSchema = z
  .object({
    enabled: z.boolean().optional(),
    /** Blocks per eth_getLogs call (providers cap the range, often at 1,000 to 10,000). */
    maxBlockRange: z.number().int().min(1).max(100_000).default(500),
    /** At most this many eth_getLogs calls per round, so one round stays short after a pause. */
    maxRangesPerRound: z.number().int().min(1).max(1000).default(20),
    /** Where a network's first scan starts, counted back from the newest confirmed block. */
    startBlocksBack: z.number().int().min(0).max(10_000_000).default(1000),
  })
  .prefault({});

export const usdtNetworkSchema = z
  .object({
    ...common,
    kind: z.literal("usdt"),
    family: z.enum(["evm", "tron"]),
    chainId: z.number().int().positive(),
    tokenContract: hexAddress.or(tronAddress),
    decimals: z.number().int().min(0).max(36),
    /** The shared deposit address; not needed with per-account addresses. */
    depositAddress: hexAddress.or(tronAddress).optional(),
    /** How a payment is bound to its order (PRODUCT §3 "Attribution"). */
    attribution: z.enum(ATTRIBUTION_MODES).default("unique-amount"),
    uniqueAmount: uniqueAmountSchema,
    /** An extended public key (xpub…): each account's address is m/0/<index> below it. Never a private key. */
    xpub: z.string().optional(),
    logScan: logScanSchema,
    confirmations: z.number().int().min(0).max(10_000),
    explorerTxUrl: z.string().includes("{hash}", { message: "must contain {hash}" }),
    /** http(s):// for requests; a ws(s):// URL also subscribes to new heads. */
    rpcUrls: z.array(z.string().url().regex(/^(https?|wss?):\/\//, "an http(s):// or ws(s):// URL")).default([]),
    pollIntervalMs: z.number().int().min(100).max(3_600_000).default(15_000),
    autoConfirm: z.boolean().default(false),
    autoConfirmCap: usdAmount.optional(),
    blockTimeSkewSeconds: z.number().int().min(0).max(3600).default(120),
    rpcConcurrency: z.number().int().min(1).max(64).default(2),
    rpcMinSpacingMs: z.number().int().min(0).max(60_000).default(50),
    rpcTimeoutMs: z.number().int().min(100).max(120_000).default(8_000),
  })
  .superRefine((n, ctx) => {
    if (n.family === "evm") {
      for (const field of ["tokenContract", "depositAddress"] as const) {
        if (n[field] !== undefined && !hexAddress.safeParse(n[field]).success) ctx.addIssue({ code: "custom", path: [field], message: "an EVM network needs a 0x address" });
      }
    }
    for (const field of ["tokenContract", "depositAddress"] as const) {
      const value = n[field];
      if (value?.startsWith("T") && !isTronBase58Address(value)) {
        ctx.addIssue({ code: "custom", path: [field], message: "not a valid TRON address: its checksum does not match (copy it again from the wallet or explorer)" });
      }
    }
    if (n.attribution === "per-account-address") {
      if (!n.xpub) ctx.addIssue({ code: "custom", path: ["xpub"], message: "per-account-address needs an extended public key (xpub…)" });
      else {
        const problem = xpubProblem(n.xpub);
        if (problem) ctx.addIssue({ code: "custom", path: ["xpub"], message: problem });
      }
    } else if (n.depositAddress === undefined) {
      ctx.addIssue({ code: "custom", path: ["depositAddress"], message: `${n.attribution} needs a shared deposit address` });
    }
    if (n.attribution === "none" && n.autoConfirm) {
      ctx.addIssue({ code: "custom", path: ["autoConfirm"], message: "attribution \"none\" binds no payment to its customer: auto-confirm needs unique-amount or per-account-address" });
    }
    if (n.attribution === "unique-amount") {
      const { step, maxSuffix } = n.uniqueAmount;
      const unit = n.decimals >= 6 ? 1n : 10n ** BigInt(6 - n.decimals);
      if (step <= 0n) ctx.addIssue({ code: "custom", path: ["uniqueAmount", "step"], message: "must be above 0" });
      else if (step % unit !== 0n) ctx.addIssue({ code: "custom", path: ["uniqueAmount", "step"], message: `must be a whole number of token units (${n.decimals} decimals)` });
      else if (maxSuffix < step) ctx.addIssue({ code: "custom", path: ["uniqueAmount", "maxSuffix"], message: "must be at least one step" });
      else if (maxSuffix / step > 1_000_000n) ctx.addIssue({ code: "custom", path: ["uniqueAmount", "maxSuffix"], message: "at most 1,000,000 steps" });
    }
    if (n.rpcUrls.length > 0 && httpRpcUrls(n).length === 0) {
      ctx.addIssue({ code: "custom", path: ["rpcUrls"], message: "needs an http(s):// URL for requests; a ws(s):// URL only adds new-head notifications" });
    }
    if (n.family === "tron" && wsRpcUrls(n).length > 0) {
      ctx.addIssue({ code: "custom", path: ["rpcUrls"], message: "TRON's JSON-RPC has no WebSocket: use its http(s):// /jsonrpc endpoint" });
    }
    if (n.autoConfirm && n.rpcUrls.length === 0) {
      ctx.addIssue({ code: "custom", path: ["autoConfirm"], message: "auto-confirm needs at least one RPC URL" });
    }
    if (n.autoConfirm && n.autoConfirmCap === undefined) {
      ctx.addIssue({ code: "custom", path: ["autoConfirmCap"], message: "auto-confirm needs a cap" });
    }
  });

export const manualMethodSchema = z.object({
  ...common,
  kind: z.literal("manual"),
  /** What the customer pays in. Minimums, maximums and presets stay in USD, like the credit. */
  currency: currencyCodeSchema,
  /** Units of `currency` per USD ("7.21"), for another currency than USD; support's `credit-desk rate set` wins over it. */
  rate: rateSchema.optional(),
  instructions: z.record(z.string(), z.string()).refine((m) => "en" in m, "needs \"en\" instructions"),
  /**
   * Where the money goes, shown with the instructions: a bank's name (per language), the account
   * holder and number, and/or a QR image to scan (an https URL). Without it the instructions alone
   * must say where to pay.
   */
  payee: z
    .object({
      bankName: z.record(z.string(), z.string().min(1).max(100)).refine((m) => "en" in m, "needs an \"en\" bank name").optional(),
      accountHolder: z.string().min(1).max(100).optional(),
      accountNumber: z.string().min(1).max(64).optional(),
      qrImageUrl: z.url({ protocol: /^https$/ }).optional(),
    })
    .refine((p) => p.accountNumber !== undefined || p.qrImageUrl !== undefined, "needs an accountNumber or a qrImageUrl")
    .optional(),
});

export const methodsFileSchema = z.object({
  /** A demo file's addresses are not real: the bot refuses to run on it outside the console. */
  demo: z.boolean().default(false),
  methods: z
    .array(z.discriminatedUnion("kind", [usdtNetworkSchema, manualMethodSchema]))
    .min(1)
    .refine((list) => new Set(list.map((m) => m.id)).size === list.length, "method ids must be unique")
    .superRefine((list, ctx) => {
      list.forEach((m, i) => {
        if (m.maximum < m.minimum) ctx.addIssue({ code: "custom", path: [i, "maximum"], message: "must be at least the minimum" });
        for (const problem of pricingProblems(m)) ctx.addIssue({ code: "custom", path: [i, ...problem.path], message: problem.message });
      });
    }),
});

export type BonusPolicy = z.output<typeof bonusPolicySchema>;
export type Preset = z.output<typeof presetSchema>;
export type UsdtNetwork = z.output<typeof usdtNetworkSchema>;
export type ManualMethod = z.output<typeof manualMethodSchema>;
export type PaymentMethod = UsdtNetwork | ManualMethod;
export type MethodsConfig = z.output<typeof methodsFileSchema>;

/** What a preset's buyer pays: its amount less its discount (the discount rounded down to the micro-USD). */
export function presetPrice(preset: Preset): { discount: bigint; final: bigint } {
  const discount = applyBps(preset.amount, preset.discountBps);
  return { discount, final: preset.amount - discount };
}

function hasBonusRule(bonus: BonusPolicy): boolean {
  return bonus.flatBps > 0 || bonus.tiers.some((t) => t.bps > 0);
}

/** The method's currency, rate and presets, checked together; each message names the method. */
function pricingProblems(m: UsdtNetwork | ManualMethod): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const name = `method "${m.id}"`;
  if (m.presets.some((p) => p.discountBps > 0) && hasBonusRule(m.bonus)) {
    problems.push({
      path: ["presets"],
      message: `${name} has presets with a discount and a bonus rule: a method has one or the other, never both (a customer would get both). Remove its "bonus", or set every preset's discountBps to 0`,
    });
  }
  const seen = new Set<bigint>();
  m.presets.forEach((preset, j) => {
    if (seen.has(preset.amount)) problems.push({ path: ["presets", j, "amount"], message: `${name} lists the ${formatUsd(preset.amount)} preset twice` });
    seen.add(preset.amount);
    const { final } = presetPrice(preset);
    if (final < m.minimum) {
      problems.push({ path: ["presets", j], message: `${name}: the ${formatUsd(preset.amount)} preset costs ${formatUsd(final)} after its discount, below the method's minimum of ${formatUsd(m.minimum)}` });
    }
    if (final > m.maximum) problems.push({ path: ["presets", j], message: `${name}: the ${formatUsd(preset.amount)} preset costs ${formatUsd(final)}, above the method's maximum of ${formatUsd(m.maximum)}` });
    if (m.kind === "usdt" && m.decimals < 6 && final % 10n ** BigInt(6 - m.decimals) !== 0n) {
      problems.push({ path: ["presets", j], message: `${name}: the ${formatUsd(preset.amount)} preset costs ${formatUsd(final)}, not a whole number of token units (${m.decimals} decimals)` });
    }
  });
  if (m.kind === "manual" && m.currency === BASE_CURRENCY && m.rate !== undefined) {
    problems.push({ path: ["rate"], message: `${name} is priced in USD: a rate is only for a method in another currency` });
  }
  return problems;
}

export class MethodsConfigError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Payment methods file ${file} is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "MethodsConfigError";
  }
}

export function parseMethods(raw: unknown, file = "(inline)"): MethodsConfig {
  const result = methodsFileSchema.safeParse(raw);
  if (!result.success) {
    throw new MethodsConfigError(file, result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return result.data;
}

export function loadMethods(file: string): MethodsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new MethodsConfigError(file, [err instanceof Error ? err.message : String(err)]);
  }
  return parseMethods(raw, file);
}

export function findMethod(config: MethodsConfig, id: string): PaymentMethod | undefined {
  return config.methods.find((m) => m.id === id);
}

export function isUsdt(method: PaymentMethod): method is UsdtNetwork {
  return method.kind === "usdt";
}

/** The currency a method's customers pay in: USD for USDT (1 USDT = 1 USD), the configured one for a manual method. */
export function payCurrencyOf(method: PaymentMethod): string {
  return method.kind === "manual" ? method.currency : BASE_CURRENCY;
}

/**
 * Whether the watcher scans this network's logs for payments: with an RPC, unless turned off. A
 * network without attribution is not scanned by default: nothing found there could be bound to
 * an order, and every payment would become an unmatched card.
 */
export function scansLogs(network: UsdtNetwork): boolean {
  return httpRpcUrls(network).length > 0 && (network.logScan.enabled ?? network.attribution !== "none");
}
