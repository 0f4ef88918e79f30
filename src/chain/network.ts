/**
 * What the chain code needs to know of a network. The payment methods file describes more (bonus,
 * attribution, limits); this is the part that talks to a chain, so that src/chain depends on no
 * business module.
 */
export interface ChainNetwork {
  id: string;
  family: "evm" | "tron";
  chainId: number;
  tokenContract: string;
  decimals: number;
  /** The shared deposit address, when there is one. */
  depositAddress?: string;
  /** micro-USD */
  minimum: bigint;
  confirmations: number;
  explorerTxUrl: string;
  rpcUrls: string[];
  rpcConcurrency: number;
  rpcMinSpacingMs: number;
  rpcTimeoutMs: number;
  blockTimeSkewSeconds: number;
}

/** The endpoints requests go to. */
export function httpRpcUrls(network: Pick<ChainNetwork, "rpcUrls">): string[] {
  return network.rpcUrls.filter((url) => /^https?:\/\//i.test(url));
}

/** The endpoints that only notify new heads. */
export function wsRpcUrls(network: Pick<ChainNetwork, "rpcUrls">): string[] {
  return network.rpcUrls.filter((url) => /^wss?:\/\//i.test(url));
}
