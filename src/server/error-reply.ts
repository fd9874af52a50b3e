/**
 * How every failure becomes a response: a ButlerError is the user's (422 with its code and message,
 * caret line and all), an HttpError or a framework error below 500 keeps its status, and anything
 * else is 500 with the request id only: its message may name hosts, paths or SQL the user must not see.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorResponse } from "../client/protocol.ts";
import { ButlerError, DataIdValueError } from "../errors/index.ts";
import { HttpError } from "./http-error.ts";

/** Codes that mean "the service cannot answer now", not "the request is wrong". */
const UNAVAILABLE_CODES = new Set(["REGISTRY_UNAVAILABLE"]);
const UNAVAILABLE_RETRY_SECONDS = "5";

export interface ErrorReply {
  status: number;
  body: ErrorResponse;
  headers: Record<string, string>;
  /** Whether the failure is the server's (to be logged with its stack). */
  internal: boolean;
}

/** The status, body and headers an error answers with. */
export function errorReply(err: unknown, requestId: string): ErrorReply {
  if (err instanceof ButlerError) {
    if (UNAVAILABLE_CODES.has(err.code)) {
      return {
        status: 503,
        body: { error_type: err.code, detail: err.message },
        headers: { "retry-after": UNAVAILABLE_RETRY_SECONDS },
        internal: true,
      };
    }
    const body: ErrorResponse = { error_type: err.code, detail: err.message };
    // Callers tell which part of a data ID failed by it, as they do with a local registry's error.
    if (err instanceof DataIdValueError) body.element = err.element;
    return { status: 422, body, headers: {}, internal: false };
  }
  if (err instanceof HttpError) {
    return {
      status: err.statusCode,
      body: { error_type: err.errorType, detail: err.message },
      headers: { ...err.headers },
      internal: err.statusCode >= 500 && err.statusCode !== 503,
    };
  }
  const framework = err as Partial<FastifyError> & { errorType?: unknown; headers?: unknown };
  if (typeof framework.statusCode === "number" && typeof framework.errorType === "string") {
    // Another module's HTTP error (a guard's 429 or 503), shaped like HttpError.
    return {
      status: framework.statusCode,
      body: { error_type: framework.errorType, detail: String(framework.message) },
      headers: stringHeaders(framework.headers),
      internal: framework.statusCode >= 500 && framework.statusCode !== 503,
    };
  }
  if (framework.validation !== undefined) {
    return {
      status: 422,
      body: { error_type: "INVALID_ARGUMENT", detail: `invalid request: ${framework.message}` },
      headers: {},
      internal: false,
    };
  }
  const status = framework.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const errorType = typeof framework.errorType === "string" ? framework.errorType : frameworkType(status);
    return {
      status,
      body: { error_type: errorType, detail: String(framework.message) },
      headers: {},
      internal: false,
    };
  }
  return {
    status: 500,
    body: { error_type: "INTERNAL", detail: `internal server error (request id ${requestId})` },
    headers: {},
    internal: true,
  };
}

function stringHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== "object" || headers === null) return {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

function frameworkType(status: number): string {
  switch (status) {
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 413:
      return "REQUEST_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return "TOO_MANY_REQUESTS";
    default:
      return "BAD_REQUEST";
  }
}

/** The app's error handler. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const answer = errorReply(err, request.id);
  if (answer.internal) request.log.error({ err, requestId: request.id }, "request failed");
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
