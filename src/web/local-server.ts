/**
 * The page for one repository on this machine (`butler ui`): fastify on 127.0.0.1, a free port unless
 * one is given, a single local user (no token), the repository named after its directory.
 */
import { basename, dirname, resolve } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import type { Butler } from "../butler/index.ts";
import { webPlugin } from "./plugin.ts";

export interface LocalUi {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly name: string;
  close(): Promise<void>;
}

/** A URL-safe name for the repository at `repo` (a directory or its butler.yaml). */
export function repositoryName(repo: string): string {
  const path = resolve(repo);
  const dir = /\.ya?ml$/.test(path) ? dirname(path) : path;
  const name = basename(dir).replace(/[^A-Za-z0-9_.-]+/g, "_");
  return name === "" || name === "." || name === ".." ? "repo" : name;
}

/** Serves the page for `butler` until closed; closing does not close the butler. */
export async function startLocalUi(butler: Butler, name: string, port = 0): Promise<LocalUi> {
  const app = Fastify({ logger: false });
  await app.register(
    webPlugin({
      resolveButler: async () => butler,
      repositories: () => [name],
    }),
  );
  await app.listen({ host: "127.0.0.1", port });
  const address = app.server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return {
    app,
    url: `http://127.0.0.1:${bound}/#/repo/${encodeURIComponent(name)}`,
    name,
    close: () => app.close(),
  };
}
