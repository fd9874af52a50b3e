/**
 * Errors of the client layer: what a butler server answered that is not a user error of the
 * repository (those come back as the repository's own typed errors, see `error-codes.ts`).
 */
import { ButlerError } from "../errors.ts";

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
