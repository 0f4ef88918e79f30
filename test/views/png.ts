import { expect } from "vitest";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The width and height a PNG declares, after checking that it is one: the 8-byte signature,
 * then the IHDR chunk first (length 13), its CRC-32 right.
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const buffer = Buffer.from(bytes);
  expect([...buffer.subarray(0, 8)], "PNG signature").toEqual(SIGNATURE);
  expect(buffer.readUInt32BE(8), "IHDR length").toBe(13);
  expect(buffer.subarray(12, 16).toString("latin1"), "first chunk").toBe("IHDR");
  expect(buffer.readUInt32BE(29), "IHDR CRC").toBe(crc32(buffer.subarray(12, 29)));
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
