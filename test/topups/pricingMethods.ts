import { parseMethods, type MethodsConfig } from "../../src/methods/paymentMethods.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

/** The tiers of 002: $50 → 5%, $100 → 5%, $200 → 10%, $500 → 15%, $1000 → 20%. */
export const SEED_PRESETS = [
  { amount: "50", discountBps: 500 },
  { amount: "100", discountBps: 500 },
  { amount: "200", discountBps: 1000 },
  { amount: "500", discountBps: 1500 },
  { amount: "1000", discountBps: 2000 },
];

/** A USDT network on a shared address (unique amounts) with the seed's preset tiers and no bonus rule. */
export const USDT_X = {
  id: "usdt-x",
  kind: "usdt",
  label: { en: "USDT on Arbitrum", "zh-CN": "USDT（Arbitrum）" },
  family: "evm",
  chainId: 42161,
  tokenContract: "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9",
  decimals: 6,
  depositAddress: "0x2222222222222222222222222222222222222222",
  minimum: "10",
  maximum: "50000",
  confirmations: 12,
  explorerTxUrl: "https://arbiscan.io/tx/{hash}",
  presets: SEED_PRESETS,
};

/** Alipay in yuan at 7.21 CNY per USD (004), with the same tiers. */
export const ALIPAY = {
  id: "alipay",
  kind: "manual",
  label: { en: "Alipay (CNY)", "zh-CN": "支付宝（人民币）" },
  currency: "CNY",
  rate: "7.21",
  instructions: { en: "Pay with the Alipay code support sends you.", "zh-CN": "请扫描客服发送的支付宝收款码付款。" },
  minimum: "10",
  maximum: "5000",
  presets: SEED_PRESETS,
};

/** The usual test methods plus the two above. */
export function pricingMethods(): MethodsConfig {
  return parseMethods({ ...TEST_METHODS_JSON, methods: [...TEST_METHODS_JSON.methods, USDT_X, ALIPAY] });
}
