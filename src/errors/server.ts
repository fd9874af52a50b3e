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
