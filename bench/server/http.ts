/**
 * The load generator's HTTP: one undici Pool per origin with a connection per client, so 50 clients are
 * 50 keep-alive connections, and the smallest client-side work per request (no retries, no parsing
 * beyond what the benchmark checks).
 */
import { Pool } from "undici";

export class LoadClient {
  readonly #pool: Pool;
  readonly #headers: Record<string, string>;

  constructor(origin: string, connections: number, token?: string) {
    this.#pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
    this.#headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  /** GETs `path`; resolves with the body as text; a status other than `expect` throws. */
  async get(path: string, headers: Record<string, string> = {}, expect = 200): Promise<string> {
    const res = await this.#pool.request({
      method: "GET",
      path,
      headers: { ...this.#headers, ...headers },
    });
    const text = await res.body.text();
    if (res.statusCode !== expect)
      throw new Error(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return text;
  }

  /** POSTs JSON; resolves with the parsed answer; a status other than 200 throws. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.#pool.request({
      method: "POST",
      path,
      headers: { ...this.#headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`POST ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
