/**
 * URLs a client reads a stored file from without the server in the way: a pre-signed GET where the
 * store can make one (S3, and GCS where its resource signs), else the server's own signed byte route.
 */
import type { FastifyRequest } from "fastify";
import { REPO_PREFIX, ROUTES } from "../client/protocol.ts";
import { type DatastoreRoot, isRemoteUri, ResourceRoot } from "../datastore/index.ts";
import { FileNotServedError } from "../errors/index.ts";
import { type ServerContext, serverUrlOf } from "./context.ts";
import { signQuery } from "./signing.ts";

interface Presignable {
  presignGet(options: { expiresIn?: number }): Promise<string>;
}

function canPresign(resource: unknown): resource is Presignable {
  return typeof (resource as Partial<Presignable>).presignGet === "function";
}

/** The signed URL of the server's byte route for a record path of repository `name`. */
function signedBytesUrl(
  ctx: ServerContext,
  request: FastifyRequest,
  name: string,
  path: string,
): { url: string; expires: number } {
  const { query, expires } = signQuery(ctx.signingKey, name, path, ctx.urlExpirySeconds);
  const route = ROUTES.bytes.replace("*", path.split("/").map(encodeURIComponent).join("/"));
  return { url: `${serverUrlOf(ctx, request)}${REPO_PREFIX}/${name}${route}?${query}`, expires };
}

/** Where a client reads the file at a record path of the repository `name`, and until when. */
export async function fileUrl(
  ctx: ServerContext,
  request: FastifyRequest,
  name: string,
  root: DatastoreRoot,
  path: string,
): Promise<{ url: string; expires: number }> {
  const outside = path.startsWith("/") || isRemoteUri(path) || /^file:/i.test(path);
  if (root instanceof ResourceRoot) {
    const resource = root.resource(path);
    if (canPresign(resource)) {
      const expires = Math.floor(Date.now() / 1000) + ctx.urlExpirySeconds;
      return { url: await resource.presignGet({ expiresIn: ctx.urlExpirySeconds }), expires };
    }
  }
  if (outside) throw new FileNotServedError(path, "it lies outside the datastore root");
  return signedBytesUrl(ctx, request, name, path);
}
