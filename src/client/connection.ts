/**
 * One repository on a butler server, as the client talks to it: JSON requests and JSON-lines streams
 * under the repository's base URL, with the bearer token, a fresh `X-Butler-Client-Request-Id` on
 * every request, and the server's limits honoured: 429 and 503 are tried again after their
 * `Retry-After`, within a bounded budget. User errors (422, and error lines of a stream) are raised as
 * the repository's typed errors; everything else the server or the network does wrong is a typed
 * client error, never a hang (a stream that stops without its last line, e.g. a server restarted
 * mid-query, is a ServerError SERVER_STREAM_INTERRUPTED).
 */
import { randomUUID } from "node:crypto";
import { discardBody, type HttpResponse, header, httpRequest, readBody } from "../bytes/http-client.ts";
import { sleep } from "../bytes/retry.ts";
import { ButlerError, ServerAuthError, ServerError } from "../errors/index.ts";
import { getLogger } from "../log.ts";
import { errorFromServer } from "./error-codes.ts";
import { CLIENT_REQUEST_ID_HEADER, type ErrorResponse, type StreamLine } from "./protocol.ts";

const log = getLogger("client");

/** daf_butler's client budget: 429 and 503 answers are tried again for at most this long in all. */
export const DEFAULT_RETRY_BUDGET_MS = 120_000;
/** Longest wait for an answer's headers, and longest silence within a body (keep-alives come every 15 s). */
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export interface ConnectionOptions {
  /** Bearer token; none for a server without authentication. */
  token?: string;
  /** Total time spent waiting on 429/503 `Retry-After` for one request (default 120 s). */
  retryBudgetMs?: number;
  /** See DEFAULT_REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
  /** `user-agent` sent with every request. */
  userAgent?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/** Counters for tests and the timer log. */
export interface ConnectionStats {
  requests: number;
  /** Requests sent again after a 429 or 503. */
  retries: number;
}

function isErrorBody(value: unknown): value is ErrorResponse {
  return typeof (value as ErrorResponse | null)?.error_type === "string";
}

/** `Retry-After` in ms: seconds, or an HTTP date; 1 s when absent or unreadable. */
function retryAfterMs(res: HttpResponse): number {
  const value = header(res, "retry-after")?.trim();
  if (value === undefined || value === "") return 1000;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
}

export class ServerConnection {
  /** The repository's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly stats: ConnectionStats = { requests: 0, retries: 0 };
  readonly #token: string | undefined;
  readonly #budgetMs: number;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(baseUrl: string, options: ConnectionOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#budgetMs = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#userAgent = options.userAgent ?? "butler-ts RemoteButler";
  }

  /** GET a JSON answer. */
  getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.#json<T>("GET", path, undefined, options);
  }

  /** POST a JSON body, get a JSON answer. */
  postJson<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.#json<T>("POST", path, body, options);
  }

  /**
   * POST a query and read its JSON-lines answer, page by page: `onRows` gets each page's rows in order.
   * Resolves with the total the `end` line gives.
   */
  async stream<Row>(
    path: string,
    body: unknown,
    onRows: (rows: Row[]) => void,
    options: RequestOptions = {},
  ): Promise<number> {
    const pages = this.pages<Row>(path, body, options);
    for (let step = await pages.next(); ; step = await pages.next()) {
      if (step.done) return step.value;
      onRows(step.value);
    }
  }

  /**
   * POST a query and yield its JSON-lines answer's pages as they arrive; the generator's value is the
   * total the `end` line gives. Stopping the iteration closes the connection, which stops the query on
   * the server.
   */
  async *pages<Row>(
    path: string,
    body: unknown,
    options: RequestOptions = {},
  ): AsyncGenerator<Row[], number> {
    const { res, url, requestId } = await this.#send("POST", path, body, options);
    if (res.status !== 200) throw await this.#failure(res, url, requestId);
    const interrupted = (detail: string, cause?: unknown) =>
      new ServerError("SERVER_STREAM_INTERRUPTED", url, requestId, detail, { cause });
    let pending = "";
    const decoder = new TextDecoder();
    const parse = (text: string): StreamLine<Row> | undefined => {
      if (text.trim() === "") return undefined;
      let line: StreamLine<Row>;
      try {
        line = JSON.parse(text) as StreamLine<Row>;
      } catch (err) {
        throw interrupted(`the stream has a line that is not JSON: ${text.slice(0, 80)}`, err);
      }
      switch (line.type) {
        case "page":
        case "keep_alive":
        case "end":
          return line;
        case "error":
          throw errorFromServer(line.error_type, line.detail, line.element);
        default:
          throw interrupted(`the stream has a line of unknown type: ${text.slice(0, 80)}`);
      }
    };
    try {
      for await (const chunk of res.body) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline = pending.indexOf("\n");
        while (newline >= 0) {
          const line = parse(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          // Leaving the loop ends the body's iterator, which releases the body; waiting here for the
          // body to drain instead could wait for an end the paused iterator never reads.
          if (line?.type === "end") return line.total;
          if (line?.type === "page") yield line.rows;
          newline = pending.indexOf("\n");
        }
      }
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      // The server's own errors (and ours about its lines) pass; the rest is the connection failing.
      if (err instanceof ButlerError) throw err;
      throw interrupted(`the connection broke during the stream (${(err as Error).message})`, err);
    }
    const line = parse(pending);
    if (line?.type === "end") return line.total;
    if (line?.type === "page") yield line.rows;
    throw interrupted("the stream ended before its last line (the server stopped or restarted)");
  }

  /** Sends a request with the token and a request id, trying 429/503 again within the budget. */
  async #send(
    method: string,
    path: string,
    body: unknown,
    options: RequestOptions,
  ): Promise<{ res: HttpResponse; url: string; requestId: string }> {
    const url = `${this.baseUrl}${path}`;
    const started = Date.now();
    for (;;) {
      const requestId = randomUUID();
      const headers: Record<string, string> = {
        [CLIENT_REQUEST_ID_HEADER]: requestId,
        "user-agent": this.#userAgent,
        accept: "application/json, application/jsonlines",
      };
      if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      this.stats.requests++;
      let res: HttpResponse;
      try {
        res = await httpRequest({
          method,
          url,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          headersTimeoutMs: this.#timeoutMs,
          bodyTimeoutMs: this.#timeoutMs,
        });
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw new ServerError(
          "SERVER_UNREACHABLE",
          url,
          requestId,
          `cannot reach the server (${(err as Error).message})`,
          { cause: err },
        );
      }
      if (res.status === 429 || res.status === 503) {
        const wait = retryAfterMs(res);
        if (Date.now() + wait - started <= this.#budgetMs) {
          await discardBody(res);
          log.debug(`${method} ${url}: HTTP ${res.status}, trying again in ${wait} ms`, { requestId });
          this.stats.retries++;
          await sleep(wait, options.signal);
          continue;
        }
      }
      return { res, url, requestId };
    }
  }

  async #json<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
    const { res, url, requestId } = await this.#send(method, path, body, options);
    if (res.status < 200 || res.status >= 300) throw await this.#failure(res, url, requestId);
    const bytes = await readBody(res, url, method, options.signal).catch((err: unknown) => {
      throw new ServerError("SERVER_STREAM_INTERRUPTED", url, requestId, "the answer was cut off", {
        cause: err,
      });
    });
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T;
    } catch (err) {
      throw new ServerError("SERVER_ERROR", url, requestId, "the answer is not JSON", {
        status: res.status,
        cause: err,
      });
    }
  }

  /** The typed error of a failed answer. */
  async #failure(res: HttpResponse, url: string, requestId: string): Promise<Error> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(await readBody(res, url, "GET")));
    } catch {
      parsed = undefined;
    }
    const detail = isErrorBody(parsed) ? parsed.detail : `HTTP ${res.status}`;
    if (res.status === 422 && isErrorBody(parsed))
      return errorFromServer(parsed.error_type, parsed.detail, parsed.element);
    if (res.status === 401 || res.status === 403) return new ServerAuthError(url, res.status, detail);
    if (res.status === 429 || res.status === 503) {
      return new ServerError(
        "SERVER_BUSY",
        url,
        requestId,
        `the server is busy (HTTP ${res.status}: ${detail}) and stayed so for the retry budget of ${this.#budgetMs / 1000} s`,
        { status: res.status },
      );
    }
    return new ServerError("SERVER_ERROR", url, requestId, `HTTP ${res.status}: ${detail}`, {
      status: res.status,
    });
  }
}
