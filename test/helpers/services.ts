import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServices } from "../../src/app/createServices.ts";
import { loadEnv } from "../../src/config/env.ts";
import { createLogger } from "../../src/log.ts";
import type { Services } from "../../src/services.ts";
import { parseMethods, type MethodsConfig } from "../../src/methods/paymentMethods.ts";
import { openTestDatabase } from "./db.ts";

/** Payment methods for tests: not the demo file, so nothing depends on its addresses. */
export const TEST_METHODS_JSON = {
  demo: false,
  methods: [
    {
      id: "trc20",
      kind: "usdt",
      label: { en: "USDT on TRON (TRC20)", "zh-CN": "USDT（TRC20）" },
      family: "tron",
      chainId: 728126428,
      tokenContract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
      decimals: 6,
      depositAddress: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
      minimum: "10",
      maximum: "50000",
      confirmations: 19,
      explorerTxUrl: "https://tronscan.org/#/transaction/{hash}",
      bonus: { flatBps: 2000 },
    },
    {
      id: "erc20",
      kind: "usdt",
      label: { en: "USDT on Ethereum (ERC20)", "zh-CN": "USDT（ERC20）" },
      family: "evm",
      chainId: 1,
      tokenContract: "0xdAC17F958D2ee523a2206206994597C13D831ec7",
      decimals: 6,
      depositAddress: "0x1111111111111111111111111111111111111111",
      minimum: "10",
      confirmations: 12,
      explorerTxUrl: "https://etherscan.io/tx/{hash}",
      bonus: { flatBps: 2000 },
    },
    {
      id: "bank",
      kind: "manual",
      label: { en: "Bank transfer", "zh-CN": "银行转账" },
      currency: "USD",
      instructions: { en: "Wire the amount to the account support gives you.", "zh-CN": "请转账到客服提供的账户。" },
      minimum: "50",
      bonus: {
        tiers: [
          { min: "100", bps: 300 },
          { min: "500", bps: 400 },
          { min: "1000", bps: 1000 },
          { min: "1000", exclusive: true, bps: 1200 },
        ],
      },
    },
  ],
};

export interface TestServicesOptions {
  env?: Record<string, string>;
  methods?: MethodsConfig;
  /** A fixed or movable clock. */
  now?: () => Date;
}

/** Real services on a fresh test database (PGlite or PostgreSQL, see db.ts). */
export async function createTestServices(options: TestServicesOptions = {}): Promise<Services> {
  const db = await openTestDatabase();
  const files = mkdtempSync(path.join(tmpdir(), "credit-desk-files-"));
  const env = loadEnv({ FILE_STORE_DIR: files, LOG_LEVEL: "silent", ...options.env });
  const services = await createServices({
    env,
    db,
    methods: options.methods ?? parseMethods(TEST_METHODS_JSON),
    log: createLogger({ level: "silent" }),
    migrate: false,
  });
  if (options.now) services.now = options.now;
  return services;
}

/** A minimal valid PNG (1×1 pixel). */
export const PNG_BYTES = new Uint8Array(
  Buffer.from(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3e1c3b20000000049454e44ae426082",
    "hex",
  ),
);
