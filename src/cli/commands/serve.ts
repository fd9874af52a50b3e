/**
 * `butler serve REPO` serves one repository on this machine for its local user (loopback only, no
 * token), `butler serve --config server.yaml` the repositories, groups, authentication and limits the
 * file names (docs/SERVER.md). Both print the URLs and serve, with the web page, until SIGINT or
 * SIGTERM. Processes that serve one repository together must share the key of their signed URLs
 * (BUTLER_SERVER_SIGNING_KEY or the file's `signing_key_file`); without one, REPO makes its own.
 */
import { isIP } from "node:net";
import type { Command } from "commander";
import { Butler } from "../../butler/index.ts";
import { REPO_NAME_PATTERN, repositoryUrl } from "../../client/protocol.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { ServerAppOptions } from "../../server/app.ts";
import { loadServerConfig, signingKeyFromEnv } from "../../server/config.ts";
import type { ServedRepository } from "../../server/context.ts";
import { type GuardConfig, guardConfigFor, guardPlugin } from "../../server/guard/index.ts";
import { notFound } from "../../server/http-error.ts";
import { closeGracefully, listen, untilStopSignal } from "../../server/listen.ts";
import { randomSigningKey } from "../../server/signing.ts";
import { webPlugin } from "../../web/plugin.ts";
import { parseInteger } from "../repo-command.ts";

interface ServeOptions {
  config?: string;
  name?: string;
  host?: string;
  port?: number;
  readOnly?: boolean;
}

const LOCAL_HOST = "127.0.0.1";

/** What a server process runs: the app's options (guard and page included) and where it listens. */
interface ServePlan {
  app: ServerAppOptions;
  host: string;
  port: number;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("Serve a repository over HTTP for remote butlers and the web page, until interrupted.")
    .argument("[repo]", "repository directory or its butler.yaml (or give --config)")
    .option("--config <file>", "server.yaml: several repositories, groups, authentication, limits")
    .option("--name <name>", "the repository's name in URLs (letters, digits, '_', '.', '-'; default main)")
    .option("--host <host>", `address to listen on (default ${LOCAL_HOST}, or the config's host)`)
    .option(
      "--port <port>",
      "port to listen on (0: a free one; default 0, or the config's port)",
      parseInteger,
    )
    .option("--read-only", "open the repositories read-only (no puts through the server)")
    .action(async (repo: string | undefined, options: ServeOptions) => {
      if ((repo === undefined) === (options.config === undefined)) {
        throw new InvalidArgumentError(
          "give either a repository or --config server.yaml, not both or neither",
        );
      }
      if (options.port !== undefined && (options.port < 0 || options.port > 65_535)) {
        throw new InvalidArgumentError(`--port must be from 0 to 65535, got ${options.port}`);
      }
      const opened: Butler[] = [];
      try {
        const plan =
          repo === undefined
            ? await configuredPlan(options.config!, options, opened)
            : await localPlan(repo, options, opened);
        const { app, origin } = await listen(plan.app, plan.host, plan.port);
        for (const served of plan.app.repositories) {
          process.stdout.write(`Serving ${served.name} at ${repositoryUrl(origin, served.name)}\n`);
        }
        const signal = await untilStopSignal();
        process.stderr.write(`butler: ${signal}: closing the server\n`);
        await closeGracefully(app);
      } finally {
        for (const butler of opened) await butler.close();
      }
    });
}

/** One repository for this machine's user: loopback only, since nobody is asked who they are. */
async function localPlan(repo: string, options: ServeOptions, opened: Butler[]): Promise<ServePlan> {
  const name = options.name ?? "main";
  if (!REPO_NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(
      `--name '${name}' is not allowed; names are letters, digits, '_', '.' and '-'`,
    );
  }
  const host = options.host ?? LOCAL_HOST;
  if (!isLoopback(host)) {
    throw new InvalidArgumentError(
      `--host ${host}: a repository served without --config has no authentication, so it listens on ` +
        "this machine only (127.0.0.1, ::1, localhost); to serve others, use --config server.yaml with tokens or a proxy",
    );
  }
  const butler = await Butler.open(repo, { writeable: !options.readOnly });
  opened.push(butler);
  const repositories: ServedRepository[] = [{ name, butler }];
  return {
    app: {
      repositories,
      signingKey: signingKeyFromEnv() ?? randomSigningKey(),
      plugins: plugins(repositories, { auth: { mode: "none" } }),
    },
    host,
    port: options.port ?? 0,
  };
}

async function configuredPlan(file: string, options: ServeOptions, opened: Butler[]): Promise<ServePlan> {
  if (options.name !== undefined)
    throw new InvalidArgumentError("--name names REPO; with --config the file names them");
  const { app: settings, guard } = loadServerConfig(file);
  const repositories: ServedRepository[] = [];
  for (const configured of settings.repositories) {
    const butler = await Butler.open(configured.uri, { writeable: !options.readOnly });
    opened.push(butler);
    repositories.push({
      name: configured.name,
      butler,
      ...(configured.readGroups === undefined ? {} : { readGroups: [...configured.readGroups] }),
      ...(configured.writeGroups === undefined ? {} : { writeGroups: [...configured.writeGroups] }),
    });
  }
  const { repositories: _, tokenStore: __, ...guardSettings } = guard;
  return {
    app: {
      repositories,
      signingKey: settings.signingKey,
      urlExpirySeconds: settings.urlExpirySeconds,
      ...(settings.publicUrl === undefined ? {} : { publicUrl: settings.publicUrl }),
      bodyLimit: settings.bodyLimit,
      keepAliveMs: settings.keepAliveMs,
      pageRows: settings.pageRows,
      maxIds: settings.maxIds,
      plugins: plugins(repositories, guardSettings),
    },
    host: options.host ?? settings.host ?? LOCAL_HOST,
    port: options.port ?? settings.port ?? 0,
  };
}

/** The guard first (its hooks then cover every route), then the web page. */
function plugins(
  repositories: readonly ServedRepository[],
  guard: Omit<GuardConfig, "repositories" | "tokenStore">,
): NonNullable<ServerAppOptions["plugins"]> {
  const byName = new Map(repositories.map((r) => [r.name, r.butler]));
  return [
    guardPlugin(guardConfigFor(repositories, guard)),
    webPlugin({
      resolveButler: async (name) => {
        const butler = byName.get(name);
        if (butler === undefined) throw notFound(`this server has no repository named '${name}'`);
        return butler;
      },
      repositories: () => [...byName.keys()],
    }),
  ];
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}
