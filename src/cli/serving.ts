/**
 * What `butler serve` runs: each configured repository opened, the server app with its guard and the
 * web page, listening until a stop signal, then closed gracefully. The CLI composes them because the
 * page (web) stands on the server and neither layer may import the other's users.
 */
import { basename, dirname, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { Butler } from "../butler/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import type { ServedRepository } from "../server/app.ts";
import { parseServerConfig, type ServerConfig, SIGNING_KEY_ENV } from "../server/config.ts";
import { guardConfigFor, guardPlugin } from "../server/guard/index.ts";
import { listen } from "../server/listen.ts";
import { randomSigningKey } from "../server/signing.ts";
import { webPlugin } from "../web/plugin.ts";

export interface Serving {
  readonly app: FastifyInstance;
  /** `http://host:port` */
  readonly origin: string;
  readonly repositories: readonly ServedRepository[];
  /** Closes the app (no graceful wait) and every butler. */
  close(): Promise<void>;
}

export interface ServingOptions {
  /** Serve the web page at `/` (default true). */
  web?: boolean;
  /** Open every repository read-only: no puts through the server. */
  readOnly?: boolean;
}

/** Opens the repositories of `config` and listens on its host and port (127.0.0.1 and a free port by default). */
export async function startServing(config: ServerConfig, options: ServingOptions = {}): Promise<Serving> {
  const served: ServedRepository[] = [];
  const closeButlers = () => Promise.allSettled(served.map((r) => r.butler.close()));
  try {
    for (const repo of config.app.repositories) {
      const butler = await Butler.open(repo.uri, { writeable: !options.readOnly });
      served.push({
        name: repo.name,
        butler,
        ...(repo.readGroups === undefined ? {} : { readGroups: [...repo.readGroups] }),
        ...(repo.writeGroups === undefined ? {} : { writeGroups: [...repo.writeGroups] }),
      });
    }
    const byName = new Map(served.map((r) => [r.name, r.butler]));
    const plugins = [guardPlugin(guardConfigFor(served, config.guard))];
    if (options.web !== false) {
      plugins.push(
        webPlugin({
          resolveButler: async (name) => {
            const butler = byName.get(name);
            if (butler === undefined)
              throw new InvalidArgumentError(`no repository named '${name}' is served`);
            return butler;
          },
          repositories: () => [...byName.keys()],
        }),
      );
    }
    const { repositories: _configured, host, port, ...settings } = config.app;
    const { app, origin } = await listen(
      { ...settings, repositories: served, plugins },
      host ?? "127.0.0.1",
      port ?? 0,
    );
    return {
      app,
      origin,
      repositories: served,
      close: async () => {
        await app.close();
        await closeButlers();
      },
    };
  } catch (err) {
    await closeButlers();
    throw err;
  }
}

/**
 * `env` with a signing key: its own BUTLER_SERVER_SIGNING_KEY, else a random one for this process alone
 * (enough for a lone server; processes that share a repository must be given the same key).
 */
export function withSigningKey(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env[SIGNING_KEY_ENV]
    ? env
    : { ...env, [SIGNING_KEY_ENV]: Buffer.from(randomSigningKey()).toString("hex") };
}

/** A URL-safe name for the repository at `repo` (a directory or its butler.yaml): its directory's name. */
export function repositoryName(repo: string): string {
  const path = resolve(repo);
  const dir = /\.ya?ml$/.test(path) ? dirname(path) : path;
  const name = basename(dir).replace(/[^A-Za-z0-9_.-]+/g, "_");
  return name === "" || name === "." || name === ".." ? "repo" : name;
}

export interface LocalServingOptions {
  /** The repository's name in URLs (default: `repositoryName(repo)`). */
  name?: string;
  /** 0 or absent: a free port. */
  port?: number;
}

/**
 * What `butler ui` serves: one repository on 127.0.0.1, no authentication (every request is the local
 * user), no access log (the person at the terminal is the only client).
 */
export function localServerConfig(repo: string, options: LocalServingOptions = {}): ServerConfig {
  return parseServerConfig(
    {
      repositories: { [options.name ?? repositoryName(repo)]: { uri: repo } },
      auth: { mode: "none" },
      host: "127.0.0.1",
      port: options.port ?? 0,
      access_log: "off",
    },
    { baseDir: process.cwd(), env: withSigningKey() },
  );
}

/** The page's address for one served repository. */
export function pageUrl(origin: string, name: string): string {
  return `${origin}/#/repo/${encodeURIComponent(name)}`;
}
