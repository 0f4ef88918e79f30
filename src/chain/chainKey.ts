/**
 * A chain is its family and chain id ("evm:1", "tron:728126428"). A transfer log credits at most
 * one order per chain, whatever payment method it came through, so keys that decide "credited
 * once" use this, never a method id.
 */
export function chainKeyOf(network: { family: "evm" | "tron"; chainId: number }): string {
  return `${network.family}:${network.chainId}`;
}
