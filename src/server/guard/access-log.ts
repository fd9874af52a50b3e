/**
 * One JSON line per request, written when the response is finished or the client went away:
 * time, request id, user, method, route, repository, status, ms, rows, bytes and peer address. The
 * request id is fastify's `request.id` (the app makes it from `X-Butler-Client-Request-Id`), the rows
 * what the route counted in `request.streamedRows`.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AccessLogSink } from "./types.ts";

export interface AccessLogEntry {
  readonly time: string;
  readonly request_id: string;
  readonly user: string | null;
  readonly method: string;
  /** The route's pattern (`/api/butler/repo/:name/v1/dataset/:id`), or the path for unmatched ones. */
  readonly route: string;
  readonly repository: string | null;
  readonly status: number;
  readonly ms: number;
  readonly rows: number | null;
  readonly bytes: number;
  readonly remote: string | null;
  /** True when the client closed the connection before the response was complete. */
  readonly aborted: boolean;
}

/**
 * Writes to stderr the lines of one turn of the event loop together: a write to a pipe is a system
 * call made while the server waits, and under load one per request was about 5% of the server's time.
 * Lines still pending when the process exits are written then.
 */
export const stderrSink: AccessLogSink = (line) => {
  pending.push(line);
  if (pending.length > 1) return;
  if (!exitHooked) {
    exitHooked = true;
    process.on("exit", flushPending);
  }
  setImmediate(flushPending);
};

let pending: string[] = [];
let exitHooked = false;

function flushPending(): void {
  if (pending.length === 0) return;
  const text = `${pending.join("\n")}\n`;
  pending = [];
  process.stderr.write(text);
}

/** Counts the body bytes written to a response (headers excluded). */
export function countBytes(reply: FastifyReply): () => number {
  const raw = reply.raw;
  let bytes = 0;
  const add = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === "string")
      bytes += Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  const write = raw.write;
  const end = raw.end;
  raw.write = function (this: typeof raw, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof raw.write;
  raw.end = function (this: typeof raw, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== "function") add(chunk, rest[0]);
    return (end as (...args: unknown[]) => typeof raw).call(this, chunk, ...rest);
  } as typeof raw.end;
  return () => bytes;
}

export function accessLogEntry(
  request: FastifyRequest,
  reply: FastifyReply,
  startedAt: bigint,
  bytes: number,
): AccessLogEntry {
  const params = request.params as { name?: unknown } | undefined;
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  return {
    time: new Date().toISOString(),
    request_id: request.id,
    user: request.principal?.user ?? null,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split("?")[0]!,
    repository: typeof params?.name === "string" ? params.name : null,
    status: reply.raw.statusCode,
    ms: Math.round(ms * 1000) / 1000,
    rows: request.streamedRows ?? null,
    bytes,
    remote: request.socket.remoteAddress ?? null,
    aborted: !reply.raw.writableFinished,
  };
}
