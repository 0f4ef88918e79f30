import { chainKeyOf } from "../chain/chainKey.ts";
import { deriveDepositAddress } from "../chain/hdAddress.ts";
import { getAddress } from "ethers";
import { hexToTron, toEvmAddress } from "../chain/tron.ts";
import type { Tx } from "../db/index.ts";
import type { AttributionMode, UsdtNetwork } from "../methods/paymentMethods.ts";

/** Where and how an order on a USDT network is to be paid. */
export interface PaymentTarget {
  attribution: AttributionMode;
  /** "<family>:<chain id>" */
  payChain: string;
  /** Token contract and recipient in the lowercase 0x form of JSON-RPC logs. */
  payToken: string;
  payAddress: string;
  /** The address as the customer is shown it (`T…` on TRON). */
  displayAddress: string;
}

/** The account's own derivation index, allocated on first use and never changed. */
export async function depositIndexOf(tx: Tx, accountId: string): Promise<number> {
  await tx.$executeRaw`INSERT INTO "deposit_indexes" ("accountId") VALUES (${accountId}::uuid) ON CONFLICT ("accountId") DO NOTHING`;
  const row = await tx.depositIndex.findUniqueOrThrow({ where: { accountId } });
  return row.index;
}

/** The shared deposit address, or the account's own address derived from the network's xpub. */
export async function paymentTargetFor(tx: Tx, network: UsdtNetwork, accountId: string): Promise<PaymentTarget> {
  const common = { attribution: network.attribution, payChain: chainKeyOf(network), payToken: toEvmAddress(network.tokenContract) };
  if (network.attribution === "per-account-address") {
    const derived = deriveDepositAddress(network.xpub!, await depositIndexOf(tx, accountId), network.family);
    return { ...common, payAddress: derived.hex, displayAddress: derived.display };
  }
  return { ...common, payAddress: toEvmAddress(network.depositAddress!), displayAddress: network.depositAddress! };
}

/** The address an order is to be paid to, as the customer is shown it. */
export function displayPayAddress(order: { payAddress: string | null }, network: UsdtNetwork): string {
  if (network.attribution !== "per-account-address" && network.depositAddress) return network.depositAddress;
  if (!order.payAddress) return network.depositAddress ?? "?";
  return network.family === "tron" ? hexToTron(order.payAddress) : getAddress(order.payAddress);
}
