/**
 * Starting and stopping a server process: listening, and a graceful close that lets answers in flight
 * finish, within a grace period, when SIGINT or SIGTERM comes.
 */
import type { FastifyInstance } from "fastify";
import { createServerApp, type ServerAppOptions } from "./app.ts";

/** How long a closing server waits for answers in flight before cutting connections. */
const CLOSE_GRACE_MS = 10_000;

export interface ListeningServer {
  readonly app: FastifyInstance;
  /** `http://host:port` */
  readonly origin: string;
}

/** Creates the app and listens on `host:port` (port 0: a free one). */
export async function listen(
  options: ServerAppOptions,
  host: string,
  port: number,
): Promise<ListeningServer> {
  const app = await createServerApp(options);
  const origin = await app.listen({ host, port });
  return { app, origin };
}

/** Stops accepting, lets answers in flight finish for up to `graceMs`, then cuts what remains. */
export async function closeGracefully(app: FastifyInstance, graceMs = CLOSE_GRACE_MS): Promise<void> {
  app.server.closeIdleConnections();
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  timer.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the signal's name at the first SIGINT or SIGTERM. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
