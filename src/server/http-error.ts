/**
 * Errors that are about the HTTP request rather than the butler: they carry their status and the
 * `error_type` the client sees (ButlerErrors are user errors and always answer 422).
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly errorType: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, errorType: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.statusCode = statusCode;
    this.errorType = errorType;
    this.headers = headers;
  }
}

export function notFound(what: string): HttpError {
  return new HttpError(404, "NOT_FOUND", what);
}

export function forbidden(why: string): HttpError {
  return new HttpError(403, "FORBIDDEN", why);
}
