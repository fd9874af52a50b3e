/**
 * A TCP proxy on loopback that adds network latency in front of a server: every chunk is held for
 * half the round-trip time in each direction, in order, and the first bytes of a new connection wait
 * one more round trip, as a TCP handshake would. Bandwidth is not limited. The round-trip time can be
 * changed between measurements; connections opened so far are counted.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

interface Pending {
  due: number;
  chunk: Buffer | null; // null: end of stream
}

/** Forwards from `from` to `to`, holding each chunk until its due time; order is kept. */
function delayedPipe(from: Socket, to: Socket, delayMs: () => number, firstExtraMs: number): void {
  const queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  let first = true;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now + 0.5) {
      const item = queue.shift()!;
      if (item.chunk === null) to.end();
      else if (!to.destroyed) to.write(item.chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, queue[0]!.due - now);
  };
  const push = (chunk: Buffer | null) => {
    const extra = first ? firstExtraMs : 0;
    first = false;
    const due = Math.max(performance.now() + delayMs() + extra, last);
    last = due;
    queue.push({ due, chunk });
    if (timer === undefined) timer = setTimeout(pump, Math.max(0, due - performance.now()));
  };
  from.on("data", (chunk: Buffer) => push(chunk));
  from.on("end", () => push(null));
  from.on("close", () => {
    // A reset or error: give up on what is queued, as the network would.
    if (from.destroyed && queue.length > 0 && queue.at(-1)!.chunk !== null) {
      if (timer !== undefined) clearTimeout(timer);
      to.destroy();
    }
  });
}

export class LatencyProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Round-trip time added to every exchange, in ms. */
  rttMs: number;
  /** Connections accepted so far. */
  connections = 0;
  port = 0;

  private constructor(upstreamPort: number, rttMs: number) {
    this.rttMs = rttMs;
    this.#server = createServer((client) => {
      this.connections++;
      const upstream = connect(upstreamPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        s.setNoDelay(true);
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const half = () => this.rttMs / 2;
      delayedPipe(client, upstream, half, this.rttMs);
      delayedPipe(upstream, client, half, 0);
    });
  }

  static async start(upstreamPort: number, rttMs = 0): Promise<LatencyProxy> {
    const proxy = new LatencyProxy(upstreamPort, rttMs);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === "object" && address !== null ? address.port : 0;
    return proxy;
  }

  /** `http://127.0.0.1:port` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
