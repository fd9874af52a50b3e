/**
 * One HTTP request over undici, shared by the HTTP source and the WebDAV resource. undici is loaded
 * on first use (programs that never touch HTTP do not pay for it) and one keep-alive Agent serves
 * every request, so a plan of many ranges reuses its connections.
 */
import type { Dispatcher } from "undici";
import { DEFAULT_ATTEMPT_TIMEOUT_MS, transportError } from "./retry.ts";

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  signal?: AbortSignal;
  /** Longest wait for the response headers; a stall is a retryable error. */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks; a stall is a retryable error. */
  bodyTimeoutMs?: number;
  /** Defaults to the shared keep-alive Agent. */
  dispatcher?: Dispatcher;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
}

export const DEFAULT_HEADERS_TIMEOUT_MS = DEFAULT_ATTEMPT_TIMEOUT_MS;
export const DEFAULT_BODY_TIMEOUT_MS = DEFAULT_ATTEMPT_TIMEOUT_MS;

type Undici = typeof import("undici");
let undici: Promise<Undici> | undefined;
let sharedAgent: Dispatcher | undefined;

function loadUndici(): Promise<Undici> {
  undici ??= import("undici");
  return undici;
}

/** The shared keep-alive Agent, created on first use. */
export async function sharedDispatcher(): Promise<Dispatcher> {
  const { Agent } = await loadUndici();
  sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 32 });
  return sharedAgent;
}

/** Closes the shared Agent's idle connections (a later request opens a new Agent). */
export async function closeSharedDispatcher(): Promise<void> {
  const agent = sharedAgent;
  sharedAgent = undefined;
  await agent?.close();
}

/**
 * Sends one request. Any HTTP status resolves (the caller maps it); transport failures reject with
 * typed errors (`transportError`), and an abort rejects with the signal's reason.
 */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const { request } = await loadUndici();
  const dispatcher = req.dispatcher ?? (await sharedDispatcher());
  try {
    const res = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      dispatcher,
      headersTimeout: req.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      bodyTimeout: req.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    throw transportError(redact(req.url), req.method, err);
  }
}

/** A response header as one string (the first when repeated). */
export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a whole body; transport failures while reading become typed errors. */
export async function readBody(res: HttpResponse, url: string, method: string, signal?: AbortSignal) {
  try {
    return new Uint8Array(await res.body.arrayBuffer());
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw transportError(redact(url), method, err);
  }
}

/** Discards a body we do not need, so the connection can be reused; errors are irrelevant then. */
export async function discardBody(res: HttpResponse): Promise<void> {
  await res.body.dump().catch(() => {});
}

/** The URL without its query and fragment: a presigned URL's query is a credential, never logged. */
export function redact(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}
