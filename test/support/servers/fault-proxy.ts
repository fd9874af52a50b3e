/**
 * A fault-injecting HTTP proxy on loopback, in front of a real server (nginx, s3rver). It forwards
 * every request unchanged (Host included, so S3 signatures stay valid), records what passed (method,
 * path, Range, status, body bytes sent), and applies queued faults to the next requests: an error
 * status, a connection reset, a body cut short, a stall before the answer, or an answer lost after
 * the upstream acted on the request.
 */
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";

export type Fault =
  /** Answer with this status without asking the upstream. */
  | { kind: "status"; status: number }
  /** Reset the connection (TCP RST) before answering. */
  | { kind: "reset" }
  /** Forward, send the headers and the first `afterBytes` body bytes, then close the connection. */
  | { kind: "truncate"; afterBytes: number }
  /** Wait `ms` before forwarding, so a client's header timeout can fire. */
  | { kind: "delay"; ms: number }
  /** Forward and let the upstream carry the request out, then reset the connection: the answer is lost. */
  | { kind: "drop" };

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The Range header, or "" when none was sent. */
  range: string;
  /** The status sent to the client (0 when the connection was reset before an answer). */
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
  fault?: Fault["kind"];
  /** The request's headers, as the client sent them. */
  headers: IncomingHttpHeaders;
}

export class FaultProxy {
  readonly #server: Server;
  readonly #upstream: URL;
  readonly #agent = new Agent({ keepAlive: true });
  readonly #sockets = new Set<Socket>();
  readonly #faults: Fault[] = [];
  /** Every request that reached the proxy, in arrival order (entries complete once answered). */
  readonly requests: ProxiedRequest[] = [];
  /** Only requests whose method is in this list get faults (all when empty). */
  faultMethods: string[] = [];
  port = 0;

  private constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(upstream: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(upstream);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === "object" && address !== null ? address.port : 0;
    return proxy;
  }

  /** `http://127.0.0.1:port` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues faults for the next requests, one each, in order. */
  inject(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  /** Faults still queued. */
  get pending(): number {
    return this.#faults.length;
  }

  /** Forgets recorded requests and queued faults. */
  reset(): void {
    this.requests.length = 0;
    this.#faults.length = 0;
    this.faultMethods = [];
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      range: typeof req.headers.range === "string" ? req.headers.range : "",
      status: 0,
      bytes: 0,
      headers: req.headers,
    };
    this.requests.push(record);
    const applies = this.faultMethods.length === 0 || this.faultMethods.includes(record.method);
    const fault = applies ? this.#faults.shift() : undefined;
    if (fault !== undefined) record.fault = fault.kind;
    if (fault?.kind === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === "status") {
      req.resume();
      const body = `injected ${fault.status}\n`;
      record.status = fault.status;
      record.bytes = body.length;
      res.writeHead(fault.status, { "content-type": "text/plain", "content-length": body.length });
      res.end(body);
      return;
    }
    if (fault?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (req.socket.destroyed) return;
    const upstream = request(
      {
        host: this.#upstream.hostname,
        port: this.#upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.#agent,
      },
      (up) => this.#relay(up, res, record, fault),
    );
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  }

  #relay(up: IncomingMessage, res: ServerResponse, record: ProxiedRequest, fault: Fault | undefined): void {
    if (fault?.kind === "drop") {
      // The upstream has answered, so it has done what was asked; the client never hears of it.
      up.resume();
      up.on("end", () => res.socket?.resetAndDestroy());
      return;
    }
    record.status = up.statusCode ?? 0;
    res.writeHead(up.statusCode ?? 502, up.headers);
    const limit = fault?.kind === "truncate" ? fault.afterBytes : Number.POSITIVE_INFINITY;
    if (limit === 0) {
      up.destroy();
      res.write(Buffer.alloc(0), () => res.socket?.destroy());
      return;
    }
    up.on("data", (chunk: Buffer) => {
      if (record.bytes >= limit) return;
      const part = record.bytes + chunk.length > limit ? chunk.subarray(0, limit - record.bytes) : chunk;
      record.bytes += part.length;
      if (record.bytes < limit) {
        res.write(part);
        return;
      }
      // Flush what the fault lets through, then close the connection mid-body.
      res.write(part, () => res.socket?.destroy());
      up.destroy();
    });
    up.on("end", () => {
      if (record.bytes < limit) res.end();
    });
    up.on("error", () => res.socket?.destroy());
  }
}
