import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** Where screenshots are kept, by the SHA-256 of their content (platform file links expire). */
export interface FileStore {
  put(bytes: Uint8Array): Promise<string>;
  get(sha256: string): Promise<Uint8Array | null>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function localFileStore(root: string): FileStore {
  const where = (sha: string) => path.join(root, sha.slice(0, 2), sha);
  return {
    async put(bytes) {
      const sha = sha256Hex(bytes);
      const file = where(sha);
      const exists = await stat(file).then(() => true, () => false);
      if (!exists) {
        await mkdir(path.dirname(file), { recursive: true });
        const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(temp, bytes);
        await rename(temp, file);
      }
      return sha;
    },
    async get(sha) {
      if (!/^[0-9a-f]{64}$/.test(sha)) return null;
      return readFile(where(sha)).then((b) => new Uint8Array(b), () => null);
    },
  };
}
