/**
 * Streamed results as JSON lines: `page` lines of at most `pageRows` rows, `keep_alive` lines while
 * nothing else is written, and one `end` (with the row count) or `error` line last. A failure before
 * the first page (and before any keep-alive) is an ordinary error response; after it, it is an `error`
 * line, since the status is gone. When the client goes away the producer's signal aborts, and it stops.
 */
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { FastifyReply, FastifyRequest } from "fastify";
import { JSON_LINES, type StreamLine } from "../client/protocol.ts";
import { ClientGoneError } from "../errors/index.ts";
import type { ServerContext } from "./context.ts";
import { errorReply } from "./error-reply.ts";

/** A producer of rows, in chunks of any size; it should stop when `signal` aborts. */
export type RowProducer<Row> = (signal: AbortSignal) => AsyncIterable<readonly Row[]>;

declare module "fastify" {
  interface FastifyRequest {
    /** Rows a streamed result has written so far (for access logs). */
    streamedRows?: number;
  }
}

/**
 * Answers `reply` with the rows `produce` yields, as JSON lines. Resolves to `reply` once the response
 * is committed (the rest is written in the background), or rejects with an error of the first page.
 */
export async function streamRows<Row>(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  produce: RowProducer<Row>,
): Promise<FastifyReply> {
  const abort = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) abort.abort(new ClientGoneError());
  };
  reply.raw.on("close", onClose);
  const iterator = produce(abort.signal)[Symbol.asyncIterator]();
  const first = iterator.next();
  first.catch(() => {}); // awaited below; this only keeps a late rejection from being "unhandled"
  let timer: NodeJS.Timeout | undefined;
  let early: boolean;
  try {
    early = await Promise.race([
      first.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ctx.keepAliveMs);
      }),
    ]);
  } catch (err) {
    // Nothing is written yet: the failure answers as an ordinary error response.
    reply.raw.off("close", onClose);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const out = new PassThrough();
  reply
    .header("content-type", JSON_LINES)
    .header("x-accel-buffering", "no")
    .header("cache-control", "no-store");
  void pump(ctx, request, out, iterator, first, abort, early).finally(() => reply.raw.off("close", onClose));
  return reply.send(out);
}

async function pump<Row>(
  ctx: ServerContext,
  request: FastifyRequest,
  out: PassThrough,
  iterator: AsyncIterator<readonly Row[]>,
  first: Promise<IteratorResult<readonly Row[]>>,
  abort: AbortController,
  early: boolean,
): Promise<void> {
  const signal = abort.signal;
  let lastWrite = Date.now();
  const write = async (line: StreamLine<Row>): Promise<void> => {
    lastWrite = Date.now();
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain", { signal });
  };
  const keepAlive = setInterval(() => {
    if (Date.now() - lastWrite >= ctx.keepAliveMs && !signal.aborted) {
      lastWrite = Date.now();
      out.write(`${JSON.stringify({ type: "keep_alive" })}\n`);
    }
  }, ctx.keepAliveMs);
  out.on("close", () => {
    if (!out.writableFinished) abort.abort(new ClientGoneError());
  });
  let total = 0;
  try {
    if (!early) await write({ type: "keep_alive" });
    for (let result = await first; !result.done; result = await iterator.next()) {
      const rows = result.value;
      for (let i = 0; i < rows.length; i += ctx.pageRows) {
        if (signal.aborted) return;
        const page = rows.slice(i, i + ctx.pageRows);
        await write({ type: "page", rows: page as Row[] });
        total += page.length;
        request.streamedRows = total;
      }
      if (signal.aborted) return;
    }
    await write({ type: "end", total });
  } catch (err) {
    if (signal.aborted) return;
    const answer = errorReply(err, request.id);
    if (answer.internal) request.log.error({ err, requestId: request.id }, "stream failed");
    out.write(`${JSON.stringify({ type: "error", ...answer.body })}\n`);
  } finally {
    clearInterval(keepAlive);
    if (signal.aborted) await iterator.return?.().catch(() => {});
    out.end();
  }
}

/**
 * Rows already in hand, encoded `size` at a time, yielding to the event loop between chunks so that a
 * closed connection is noticed and the rest is never encoded.
 */
export async function* encodedChunks<T, Row>(
  items: readonly T[],
  encode: (item: T) => Row,
  size: number,
  signal: AbortSignal,
): AsyncGenerator<Row[]> {
  for (let i = 0; i < items.length; i += size) {
    if (signal.aborted) return;
    yield items.slice(i, i + size).map(encode);
    await nextTurn();
  }
}
