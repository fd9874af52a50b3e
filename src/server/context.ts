/**
 * What every route handler needs: the repositories served, the signing key and the limits, with the
 * defaults filled in; and the lookups every handler starts with.
 */
import type { FastifyRequest } from "fastify";
import type { Butler } from "../butler/butler.ts";
import { notFound } from "./http-error.ts";

export interface ServedRepository {
  /** The name in URLs: [A-Za-z0-9_.-]+. */
  name: string;
  butler: Butler;
  /** Groups that may read; enforced by the guard, when one is installed. */
  readGroups?: string[];
  /** Groups that may write; enforced by the guard, when one is installed. */
  writeGroups?: string[];
}

export interface ServerContext {
  readonly repositories: ReadonlyMap<string, ServedRepository>;
  readonly signingKey: Uint8Array;
  readonly urlExpirySeconds: number;
  /** Base URL clients reach the server at (no trailing slash); from each request's Host when absent. */
  readonly publicUrl: string | undefined;
  readonly keepAliveMs: number;
  readonly pageRows: number;
  readonly maxIds: number;
}

/** Who every route declares may call it: checked by the guard against the repository's groups. */
export type RouteAccess = "read" | "write" | "public";

declare module "fastify" {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** A streamed query (counted against the stream limits). */
    stream?: boolean;
  }
}

/** The repository named in the request's `:name`; 404 when the server has none of that name. */
export function repositoryOf(ctx: ServerContext, request: FastifyRequest): ServedRepository {
  const name = (request.params as { name?: string }).name ?? "";
  const repository = ctx.repositories.get(name);
  if (repository === undefined) {
    throw notFound(`this server has no repository named '${name}'`);
  }
  return repository;
}

/** The server's base URL as this request's client sees it. */
export function serverUrlOf(ctx: ServerContext, request: FastifyRequest): string {
  if (ctx.publicUrl !== undefined) return ctx.publicUrl.replace(/\/+$/, "");
  return `${request.protocol}://${request.host}`;
}
