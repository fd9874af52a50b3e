/**
 * Errors of the butler server and of its remote client: what a server answered that is not a user
 * error of the repository (those come back as the repository's own typed errors).
 */
import { ButlerError } from "./base.ts";

/** A record whose file the server will not hand out (outside the datastore root, on no store it reaches). */
export class FileNotServedError extends ButlerError {
  constructor(path: string, why: string) {
    super("FILE_NOT_SERVED", `the file '${path}' is not served: ${why}`);
  }
}

/** Why a streamed query's signal aborted: the client closed the connection. */
export class ClientGoneError extends ButlerError {
  constructor() {
    super("CLIENT_GONE", "the client closed the connection; the query was abandoned");
  }
}

/** A streamed query ran longer than the server allows (`limits.query_timeout`). */
export class QueryTimeLimitError extends ButlerError {
  readonly limitMs: number;

  constructor(limitMs: number) {
    super(
      "QUERY_TIME_LIMIT",
      `the query ran longer than this server allows (${limitMs / 1000} s); narrow it with where, datasets or limit`,
    );
    this.limitMs = limitMs;
  }
}

/** A server configuration (server.yaml) with a missing, unknown or invalid setting. */
export class ServerConfigError extends ButlerError {
  /** The dotted path of the setting at fault (`repositories.main.uri`), or the file for a whole-file problem. */
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super("SERVER_CONFIG", `server configuration: ${key}: ${message}`, options);
    this.key = key;
  }
}

/**
 * A request that asks for more than a server allows at once: too many dataset ids, too many uploaded
 * rows, too large a body. The message names the limit; split the request.
 */
export class RequestTooLargeError extends ButlerError {
  readonly what: string;
  readonly count: number;
  readonly limit: number;

  constructor(what: string, count: number, limit: number) {
    super(
      "REQUEST_TOO_LARGE",
      `${what}: ${count} is more than this server accepts in one request (at most ${limit}); split the request`,
    );
    this.what = what;
    this.count = count;
    this.limit = limit;
  }
}

/** The server refused the request's credentials (401) or the user's groups (403). */
export class ServerAuthError extends ButlerError {
  readonly url: string;
  readonly status: number;

  constructor(url: string, status: number, detail: string) {
    super(
      status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN",
      status === 401
        ? `${url}: not authenticated (${detail}); give a token (token option, BUTLER_TOKEN, or the tokens file)`
        : `${url}: forbidden (${detail}); the token's user is not in a group allowed to do this`,
    );
    this.url = url;
    this.status = status;
  }
}

/**
 * The server failed a request: an unexpected status, a limit still in force when the retry budget ran
 * out, a connection lost, or a stream that ended without its last line (a server restarted mid-query).
 */
export class ServerError extends ButlerError {
  readonly url: string;
  /** The HTTP status, when there was an answer. */
  readonly status?: number;
  /** The request id sent in `X-Butler-Client-Request-Id`, to find the request in the server's log. */
  readonly requestId: string;

  constructor(
    code: "SERVER_ERROR" | "SERVER_BUSY" | "SERVER_UNREACHABLE" | "SERVER_STREAM_INTERRUPTED",
    url: string,
    requestId: string,
    detail: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(
      code,
      `${url}: ${detail} (request id ${requestId})`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.url = url;
    this.requestId = requestId;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** A URL given to open a remote butler is not one of a repository on a butler server. */
export class ServerUrlError extends ButlerError {
  readonly url: string;

  constructor(url: string, detail: string) {
    super(
      "SERVER_URL",
      `'${url}' is not a butler server repository URL: ${detail}; expected http(s)://HOST/api/butler/repo/NAME`,
    );
    this.url = url;
  }
}

/**
 * A butler operation that a remote butler deliberately does not offer: it changes the repository
 * beyond a put (ingest, removal, imports, the header index) or needs its files in place. `instead`
 * says how to do it: on a butler opened on the repository itself, by someone who may change it.
 */
export class NotOfferedRemotelyError extends ButlerError {
  readonly operation: string;
  readonly url: string;

  constructor(operation: string, url: string, instead: string) {
    super(
      "NOT_OFFERED_REMOTELY",
      `${operation} is not available through a butler server (${url}); ${instead}`,
    );
    this.operation = operation;
    this.url = url;
  }
}
