/**
 * `butler serve REPO` serves one repository over HTTP under `/api/butler/repo/NAME`, with the web page
 * at `/`, until SIGINT or SIGTERM, printing its URL first; `butler serve --config server.yaml` serves
 * the repositories, groups, authentication and limits of a configuration file (docs/SERVER.md).
 * Processes that serve one repository together must share the key of their signed URLs: give it in
 * BUTLER_SERVER_SIGNING_KEY (hex), else a lone `butler serve REPO` makes its own.
 */
import { isIP } from "node:net";
import type { Command } from "commander";
import { REPO_NAME_PATTERN, repositoryUrl } from "../../client/protocol.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { loadServerConfig, parseServerConfig, type ServerConfig } from "../../server/config.ts";
import { closeGracefully, untilStopSignal } from "../../server/listen.ts";
import { parseInteger } from "../repo-command.ts";
import { startServing, withSigningKey } from "../serving.ts";

interface ServeOptions {
  config?: string;
  name: string;
  host: string;
  port?: number;
  readOnly?: boolean;
  auth?: string;
  trustedProxy?: string[];
  writeGroup?: string[];
  web: boolean;
}

const AUTH_MODES = ["tokens", "proxy", "none"];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("Serve repositories over HTTP for remote butlers and the web page, until interrupted.")
    .argument("[repo]", "repository directory or its butler.yaml (or give --config)")
    .option("--config <file>", "serve what a server configuration file says (docs/SERVER.md)")
    .option("--name <name>", "the repository's name in URLs (letters, digits, '_', '.', '-')", "main")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: a free one)", parseInteger)
    .option("--read-only", "open the repositories read-only (no puts through the server)")
    .option(
      "--auth <mode>",
      "tokens (bearer tokens of 'butler token create'), proxy (an authenticating proxy's user header) or none; default: none on a loopback address, else tokens",
    )
    .option(
      "--trusted-proxy <address>",
      "with --auth proxy: an address or CIDR block of the proxy (repeatable)",
      collect,
    )
    .option("--write-group <group>", "a group whose users may put ('*': any user; repeatable)", collect)
    .option("--no-web", "do not serve the web page")
    .action(async (repo: string | undefined, options: ServeOptions) => {
      const config = serverConfigOf(repo, options);
      const serving = await startServing(config, {
        web: options.web,
        ...(options.readOnly ? { readOnly: true } : {}),
      });
      try {
        for (const { name } of serving.repositories) {
          process.stdout.write(`Serving ${name} at ${repositoryUrl(serving.origin, name)}\n`);
        }
        if (options.web) process.stdout.write(`Web page at ${serving.origin}/\n`);
        process.stdout.write(`Authentication: ${describeAuth(config)}\n`);
        const signal = await untilStopSignal();
        process.stderr.write(`butler: ${signal}: closing the server\n`);
        await closeGracefully(serving.app);
      } finally {
        await serving.close();
      }
    });
}

/** The configuration file's, or one built from the command line for REPO and checked the same way. */
function serverConfigOf(repo: string | undefined, options: ServeOptions): ServerConfig {
  if (options.config !== undefined) {
    if (repo !== undefined) {
      throw new InvalidArgumentError(
        "give either REPO or --config, not both (the file names its repositories)",
      );
    }
    const config = loadServerConfig(options.config);
    const host = options.host !== "127.0.0.1" ? options.host : config.app.host;
    const port = options.port ?? config.app.port;
    return {
      ...config,
      app: {
        ...config.app,
        ...(host === undefined ? {} : { host }),
        ...(port === undefined ? {} : { port }),
      },
    };
  }
  if (repo === undefined) throw new InvalidArgumentError("serve needs REPO (a repository) or --config FILE");
  if (!REPO_NAME_PATTERN.test(options.name)) {
    throw new InvalidArgumentError(
      `--name '${options.name}' is not allowed; names are letters, digits, '_', '.' and '-'`,
    );
  }
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)
  ) {
    throw new InvalidArgumentError(`--port must be from 0 to 65535, got ${options.port}`);
  }
  const mode = options.auth ?? (isLoopback(options.host) ? "none" : "tokens");
  if (!AUTH_MODES.includes(mode)) {
    throw new InvalidArgumentError(`--auth must be one of ${AUTH_MODES.join(", ")}; got '${mode}'`);
  }
  if (options.trustedProxy !== undefined && mode !== "proxy") {
    throw new InvalidArgumentError("--trusted-proxy is a setting of --auth proxy");
  }
  const env = withSigningKey();
  return parseServerConfig(
    {
      repositories: {
        [options.name]: {
          uri: repo,
          ...(options.writeGroup === undefined ? {} : { write_groups: options.writeGroup }),
        },
      },
      auth: {
        mode,
        ...(options.trustedProxy === undefined ? {} : { trusted_proxies: options.trustedProxy }),
      },
      host: options.host,
      ...(options.port === undefined ? {} : { port: options.port }),
    },
    { baseDir: process.cwd(), env },
  );
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

function describeAuth(config: ServerConfig): string {
  const { auth } = config.guard;
  if (auth.mode === "none") return "none (every request is one local user with every right)";
  if (auth.mode === "proxy")
    return `the proxy's user header from ${auth.trustedProxies.join(", ")}, or bearer tokens`;
  return "bearer tokens ('butler token create REPO --user U' makes one)";
}
