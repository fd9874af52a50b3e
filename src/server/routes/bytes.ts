/**
 * `GET /v1/bytes/{path}?expires&sig`: a file of a local or WebDAV datastore root, or one range of it,
 * for holders of a URL the server signed. Never a byte outside the root: the path must be a plain
 * relative path, and on local roots the directory holding the file must resolve inside the root.
 */
import { open, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ByteSource } from "../../bytes/byte-source.ts";
import { ROUTES, type SignedUrlQuery } from "../../client/protocol.ts";
import { isWithin } from "../../datastore/confine.ts";
import { LocalRoot } from "../../datastore/index.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import { forbidden, HttpError, notFound } from "../http-error.ts";
import { checkSignature } from "../signing.ts";

/** Bytes read from a remote store per request when relaying a large range. */
const RELAY_CHUNK = 4 * 1024 * 1024;

/** A satisfiable `[start, end]` (inclusive) of a file of `size` bytes, or undefined for no Range. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const unsatisfiable = () =>
    new HttpError(
      416,
      "RANGE_NOT_SATISFIABLE",
      `range '${header}' does not fit a file of ${size} bytes; one range only`,
      {
        "content-range": `bytes */${size}`,
      },
    );
  if (match === null || (match[1] === "" && match[2] === "")) throw unsatisfiable();
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) throw unsatisfiable();
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || end < start) throw unsatisfiable();
  return { start, end };
}

/** Throws a 403 unless `path` is a relative path of plain segments. */
function checkPlainPath(path: string): void {
  const segments = path.split("/");
  const bad = segments.some(
    (s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\0"),
  );
  if (bad || /^[a-z][a-z0-9+.-]*:/i.test(path)) {
    throw forbidden(`'${path}' is not a path inside the datastore root`);
  }
}

export function bytesRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { "*": string }; Querystring: Partial<SignedUrlQuery> }>(
    ROUTES.bytes,
    {
      // The signature is the credential: the URL is handed to whoever may read the dataset.
      config: { access: "public" },
      schema: {
        querystring: {
          type: "object",
          properties: { expires: { type: "string" }, sig: { type: "string" } },
        },
      },
    },
    async (request, reply) => {
      const { name, butler } = repositoryOf(ctx, request);
      const path = request.params["*"];
      checkSignature(ctx.signingKey, name, path, request.query.expires, request.query.sig);
      checkPlainPath(path);
      const root = butler.datastore.root;
      reply.header("accept-ranges", "bytes").header("cache-control", "private, max-age=0");
      if (root instanceof LocalRoot) return sendLocal(reply, root.path, path, request.headers.range);
      return sendRelayed(reply, root.open(path), request.headers.range);
    },
  );
}

/** Ranges up to this size are read into one buffer; larger ones stream from the open file. */
const BUFFERED_RANGE = 1024 * 1024;

const realRoots = new Map<string, Promise<string>>();

/** A local root's real path, resolved once per process (the root is the server's own config). */
function realRootOf(root: string): Promise<string> {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpath(root);
    realRoots.set(root, real);
    real.catch(() => realRoots.delete(root));
  }
  return real;
}

async function sendLocal(reply: FastifyReply, rootPath: string, path: string, range: string | undefined) {
  const file = join(rootPath, path);
  // The directory holding the file must resolve inside the root; the file itself may be a symbolic
  // link (a dataset ingested by symlink points at its original).
  const [realRoot, parent] = await Promise.all([
    realRootOf(rootPath),
    realpath(dirname(file)).catch(() => undefined),
  ]);
  if (parent === undefined) throw notFound(`no file '${path}' in the datastore`);
  if (!isWithin(realRoot, parent)) throw forbidden(`'${path}' leads outside the datastore root`);
  const handle = await open(file, "r").catch(() => undefined);
  if (handle === undefined) throw notFound(`no file '${path}' in the datastore`);
  let streaming = false;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notFound(`no file '${path}' in the datastore`);
    const wanted = parseRange(range, stats.size);
    const start = wanted?.start ?? 0;
    const length = (wanted?.end ?? stats.size - 1) - start + 1;
    headersFor(reply, wanted, stats.size);
    if (length <= BUFFERED_RANGE) {
      const bytes = Buffer.allocUnsafe(length);
      const { bytesRead } = length === 0 ? { bytesRead: 0 } : await handle.read(bytes, 0, length, start);
      if (bytesRead !== length) throw notFound(`'${path}' changed while it was read`);
      return reply.send(bytes);
    }
    streaming = true;
    return reply.send(handle.createReadStream({ start, end: start + length - 1 }));
  } finally {
    // A stream closes the file when it ends or fails.
    if (!streaming) await handle.close();
  }
}

async function sendRelayed(reply: FastifyReply, source: ByteSource, range: string | undefined) {
  const size = await source.size();
  const wanted = parseRange(range, size);
  const start = wanted?.start ?? 0;
  const end = wanted?.end ?? size - 1;
  headersFor(reply, wanted, size);
  if (end - start + 1 <= RELAY_CHUNK) {
    return reply.send(size === 0 ? Buffer.alloc(0) : Buffer.from(await source.read(start, end - start + 1)));
  }
  async function* chunks() {
    for (let offset = start; offset <= end; offset += RELAY_CHUNK) {
      yield Buffer.from(await source.read(offset, Math.min(RELAY_CHUNK, end - offset + 1)));
    }
  }
  return reply.send(Readable.from(chunks()));
}

function headersFor(
  reply: FastifyReply,
  wanted: { start: number; end: number } | undefined,
  size: number,
): void {
  reply.header("content-type", "application/octet-stream");
  if (wanted === undefined) {
    reply.header("content-length", size);
    return;
  }
  reply
    .code(206)
    .header("content-range", `bytes ${wanted.start}-${wanted.end}/${size}`)
    .header("content-length", wanted.end - wanted.start + 1);
}
