/**
 * A real S3-speaking server for tests: s3rver on a free loopback port, storing objects in a temporary
 * directory. Its keys are S3RVER/S3RVER. It mishandles suffix ranges (`bytes=-N`) and `bytes=0-0`, and
 * ignores If-Match, which our client must not rely on anyway.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}

type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export const S3RVER_KEY = "S3RVER";

export class S3Server {
  readonly #server: S3rverInstance;
  readonly dir: string;
  readonly port: number;

  private constructor(server: S3rverInstance, dir: string, port: number) {
    this.#server = server;
    this.dir = dir;
    this.port = port;
  }

  /** Starts s3rver with the given buckets. */
  static async start(buckets: string[]): Promise<S3Server> {
    const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;
    const dir = await mkdtemp(join(tmpdir(), "butler-s3rver-"));
    const server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: buckets.map((name) => ({ name })),
    });
    const { port } = await server.run();
    return new S3Server(server, dir, port);
  }

  /** `http://127.0.0.1:port` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Environment that points our S3 client at this server. */
  env(origin = this.origin): Record<string, string> {
    return {
      S3_ENDPOINT_URL: origin,
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_REGION: "us-east-1",
    };
  }

  async stop(): Promise<void> {
    // Keep-alive sockets would hold close() open.
    this.#server.httpServer?.closeAllConnections();
    await this.#server.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
