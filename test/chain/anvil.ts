import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Contract, ContractFactory, JsonRpcProvider, Network, type JsonRpcSigner } from "ethers";

/**
 * A real local chain for tests: anvil from the @foundry-rs/anvil npm package, on 127.0.0.1 and a
 * free port, with the test tokens of contracts/ deployed from their committed artifact. One anvil
 * per test file; it is stopped in afterAll (and killed if the test process exits first).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function anvilBinary(): string {
  const direct = path.join(ROOT, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
  if (existsSync(direct)) return direct;
  // Another platform: the wrapper package depends on the matching @foundry-rs/anvil-<os>-<arch>.
  const require = createRequire(import.meta.url);
  const pkg = `@foundry-rs/anvil-${process.platform === "win32" ? "win32" : process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Artifact {
  contracts: Record<string, { abi: unknown[]; bytecode: string }>;
}
const artifact = JSON.parse(readFileSync(path.join(ROOT, "contracts/artifacts.json"), "utf8")) as Artifact;

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

async function rpcOnce(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export interface AnvilChain {
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  readonly provider: JsonRpcProvider;
  /** Unlocked dev accounts: [0] pays, [1] is the deposit address, the rest are bystanders. */
  readonly accounts: string[];
  signer(index: number): Promise<JsonRpcSigner>;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  blockNumber(): Promise<number>;
  mine(blocks?: number): Promise<void>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  /** Dumps the chain state, then stops the node: the port refuses connections until restart(). */
  stop(): Promise<void>;
  /** Starts a node on the same port and loads the dumped state (blocks and receipts included). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startAnvil(options: { chainId?: number } = {}): Promise<AnvilChain> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const chainId = options.chainId ?? 31337;
  let child: ChildProcess | null = null;
  let state: string | null = null;

  async function launch(): Promise<void> {
    const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--accounts", "4", "--silent"];
    const proc = spawn(anvilBinary(), args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    running.add(proc);
    proc.once("exit", () => running.delete(proc));
    child = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`anvil exited with ${proc.exitCode}: ${stderr}`);
      try {
        await rpcOnce(url, "eth_chainId", []);
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`anvil did not answer on ${url}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async function kill(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
      setTimeout(() => proc.kill("SIGKILL"), 3000).unref();
    });
  }

  await launch();
  const network = Network.from(BigInt(chainId));
  const provider = new JsonRpcProvider(url, network, { staticNetwork: network, cacheTimeout: -1, batchMaxCount: 1 });
  const accounts = (await rpcOnce(url, "eth_accounts", [])) as string[];

  const chain: AnvilChain = {
    url,
    port,
    chainId,
    provider,
    accounts,
    signer: (index) => provider.getSigner(accounts[index]),
    rpc: async <T>(method: string, params: unknown[] = []) => (await rpcOnce(url, method, params)) as T,
    async blockNumber() {
      return Number(BigInt((await rpcOnce(url, "eth_blockNumber", [])) as string));
    },
    async mine(blocks = 1) {
      await rpcOnce(url, "anvil_mine", ["0x" + blocks.toString(16)]);
    },
    async snapshot() {
      return (await rpcOnce(url, "evm_snapshot", [])) as string;
    },
    async revert(id) {
      const ok = await rpcOnce(url, "evm_revert", [id]);
      if (ok !== true) throw new Error(`evm_revert ${id} refused`);
    },
    async stop() {
      state = (await rpcOnce(url, "anvil_dumpState", [])) as string;
      await kill();
    },
    async restart() {
      await launch();
      if (state) await rpcOnce(url, "anvil_loadState", [state]);
    },
    async close() {
      provider.destroy();
      await kill();
    },
  };
  return chain;
}

export interface TestTokens {
  /** USDT-like, 6 decimals (Ethereum, TRON, Polygon, Arbitrum). */
  usdt6: Contract;
  /** USDT-like, 18 decimals (BNB Smart Chain). */
  usdt18: Contract;
  /** Another 6-decimals token: paying with it is the "wrong token contract" case. */
  other6: Contract;
  /** Pays through transferFrom from inside a contract (no token call in the calldata). */
  payer: Contract;
}

async function deploy(chain: AnvilChain, name: string, args: unknown[]): Promise<Contract> {
  const { abi, bytecode } = artifact.contracts[name];
  const factory = new ContractFactory(abi as never, bytecode, await chain.signer(0));
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

/** Deploys the tokens and mints 1,000,000 of each to accounts[0] (the payer). */
export async function deployTestTokens(chain: AnvilChain): Promise<TestTokens> {
  const usdt6 = await deploy(chain, "TestToken", ["Tether USD (test)", "USDT", 6]);
  const usdt18 = await deploy(chain, "TestToken", ["Tether USD 18 (test)", "USDT18", 18]);
  const other6 = await deploy(chain, "TestToken", ["Other (test)", "OTHER", 6]);
  const payer = await deploy(chain, "Payer", []);
  for (const [token, decimals] of [[usdt6, 6n], [usdt18, 18n], [other6, 6n]] as const) {
    await (await token.getFunction("mint")(chain.accounts[0], 1_000_000n * 10n ** decimals)).wait();
    const approve = await token.getFunction("approve")(await payer.getAddress(), 2n ** 256n - 1n);
    await approve.wait();
  }
  return { usdt6, usdt18, other6, payer };
}

async function sendFrom(chain: AnvilChain, contract: Contract, from: number, fn: string, args: unknown[], gasLimit?: bigint): Promise<string> {
  const connected = contract.connect(await chain.signer(from)) as Contract;
  const tx = await connected.getFunction(fn).send(...args, ...(gasLimit ? [{ gasLimit }] : []));
  await chain.provider.waitForTransaction(tx.hash, 1, 10_000).catch(() => undefined);
  return tx.hash;
}

/** A plain token.transfer(to, raw) from accounts[from]; returns the tx hash once mined. */
export function transfer(chain: AnvilChain, token: Contract, to: string, raw: bigint, from = 0): Promise<string> {
  return sendFrom(chain, token, from, "transfer", [to, raw]);
}

/** The transfer happens inside Payer.pay → token.transferFrom: the calldata is Payer's. */
export async function payThroughContract(chain: AnvilChain, tokens: TestTokens, token: Contract, to: string, raw: bigint): Promise<string> {
  return sendFrom(chain, tokens.payer, 0, "pay", [await token.getAddress(), to, raw]);
}

/** Two Transfer logs to the same recipient in one transaction. */
export async function payInTwo(chain: AnvilChain, tokens: TestTokens, token: Contract, to: string, first: bigint, second: bigint): Promise<string> {
  return sendFrom(chain, tokens.payer, 0, "payInTwo", [await token.getAddress(), to, first, second]);
}

/**
 * A transfer that is mined but fails (receipt status 0): more than the sender holds, sent with a
 * fixed gas limit so that no gas estimation refuses it before it reaches a block.
 */
export function revertedTransfer(chain: AnvilChain, token: Contract, to: string, raw: bigint, from = 2): Promise<string> {
  return sendFrom(chain, token, from, "transfer", [to, raw], 200_000n);
}

/** A batch withdrawal, as exchanges send them: one transaction, one Transfer log per (recipient, amount). */
export async function batchWithdrawal(chain: AnvilChain, tokens: TestTokens, token: Contract, payouts: { to: string; raw: bigint }[]): Promise<string> {
  return sendFrom(chain, tokens.payer, 0, "batch", [await token.getAddress(), payouts.map((p) => p.to), payouts.map((p) => p.raw)]);
}
