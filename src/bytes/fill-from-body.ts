/** How much of a response body `fillFromBody` saw. */
export interface BodyFill {
  /** Bytes copied into the target. */
  filled: number;
  /** Bytes of the body received (those skipped included). */
  received: number;
}

/**
 * Copies body bytes `[skip, skip + target.byteLength)` of a streamed response into `target`, so a
 * range lands in its final buffer without an intermediate copy. A body longer than needed (a 200
 * answer to a range request) is abandoned once the target is full; `bodyLength`, when known, lets an
 * exact body be read to its end so its connection stays reusable. `progress` is updated as chunks
 * arrive, so a caller still knows what was received when the body fails halfway.
 */
export async function fillFromBody(
  body: AsyncIterable<Uint8Array>,
  target: Uint8Array,
  skip: number,
  bodyLength: number | undefined,
  progress: BodyFill = { filled: 0, received: 0 },
): Promise<BodyFill> {
  const want = target.byteLength;
  for await (const chunk of body) {
    const chunkStart = progress.received;
    progress.received += chunk.byteLength;
    const from = Math.max(0, skip + progress.filled - chunkStart);
    const take = Math.min(chunk.byteLength - from, want - progress.filled);
    if (take > 0) {
      target.set(chunk.subarray(from, from + take), progress.filled);
      progress.filled += take;
    }
    // Leaving the loop destroys the stream (and its connection); only do it when more is coming.
    if (progress.filled === want && (bodyLength === undefined || progress.received < bodyLength)) break;
  }
  return progress;
}
