/** Errors of the butler server and its remote client. */
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
