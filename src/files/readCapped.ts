/**
 * Reads a response body up to one byte past `maxBytes`: a huge file costs no memory, and the
 * caller (the core's screenshot check) still sees that it is too large. The body is released
 * whatever happens.
 */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const cap = maxBytes + 1;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    while (total < cap) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = cap - total;
      const part = value.length > room ? value.subarray(0, room) : value;
      chunks.push(part);
      total += part.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
