/**
 * What every route of the page shares: the options the page is served with, the repository a request
 * names, and typed errors as daf_butler's server answers them (422 `{error_type, detail}`) without
 * installing an error handler on the host app.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Butler } from "../butler/index.ts";
import { ButlerError, ExpressionSyntaxError, InvalidArgumentError } from "../errors/index.ts";

export interface WebPluginOptions {
  /** The butler of a served repository; rejects for a name that is not served. */
  resolveButler(repoName: string): Promise<Butler>;
  /** The names of the served repositories. */
  repositories(): string[];
}

export type RepoRequest = FastifyRequest<{
  Params: { name: string; id?: string };
  Querystring: Record<string, string | undefined>;
}>;

/** The JSON body of a failed request. */
function errorBody(err: ButlerError): Record<string, unknown> {
  const body: Record<string, unknown> = { error_type: err.code, detail: err.message };
  if (err instanceof ExpressionSyntaxError) {
    Object.assign(body, { position: err.position, line: err.line, column: err.column, reason: err.reason });
  }
  return body;
}

/**
 * Runs a route's work on the named repository's butler: an unknown repository is a 404, a ButlerError a
 * 422 with its code and message; anything else is the host's 500.
 */
export async function withRepository<T>(
  options: WebPluginOptions,
  request: RepoRequest,
  reply: FastifyReply,
  work: (butler: Butler) => Promise<T>,
): Promise<T | FastifyReply> {
  const name = request.params.name;
  if (!options.repositories().includes(name)) {
    return reply.code(404).send({
      error_type: "NOT_FOUND",
      detail: `no repository named '${name}' is served here; served: ${options.repositories().join(", ")}`,
    });
  }
  try {
    return await work(await options.resolveButler(name));
  } catch (err) {
    if (err instanceof ButlerError) return reply.code(422).send(errorBody(err));
    throw err;
  }
}

/** A required query parameter, or a typed error naming it. */
export function required(request: RepoRequest, key: string): string {
  const value = request.query[key];
  if (value === undefined || value === "")
    throw new InvalidArgumentError(`the query parameter '${key}' is required`);
  return value;
}

/** An integer query parameter in [min, max], or its default. */
export function integer(
  request: RepoRequest,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = request.query[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`'${key}' must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return value;
}

/** A comma-separated list parameter (empty when absent). */
export function list(request: RepoRequest, key: string): string[] {
  return (request.query[key] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** JSON that carries bigints (data ID values may be) as numbers when safe, else strings. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) =>
      typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v,
    ),
  );
}
