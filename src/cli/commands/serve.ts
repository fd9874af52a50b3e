/**
 * `butler serve REPO`: serves one repository over HTTP under `/api/butler/repo/NAME` until SIGINT or
 * SIGTERM, printing its URL first. Processes that serve one repository together must share the key
 * of their signed URLs: give it in BUTLER_SERVER_SIGNING_KEY (hex), else each makes its own.
 */
import type { Command } from "commander";
import { Butler } from "../../butler/index.ts";
import { REPO_NAME_PATTERN, repositoryUrl } from "../../client/protocol.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { closeGracefully, listen, signingKeyFromEnv, untilStopSignal } from "../../server/listen.ts";
import { parseInteger } from "../repo-command.ts";

interface ServeOptions {
  name: string;
  host: string;
  port: number;
  readOnly?: boolean;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("Serve a repository over HTTP for remote butlers and the web page, until interrupted.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .option("--name <name>", "the repository's name in URLs (letters, digits, '_', '.', '-')", "main")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: a free one)", parseInteger, 0)
    .option("--read-only", "open the repository read-only (no puts through the server)")
    .action(async (repo: string, options: ServeOptions) => {
      if (!REPO_NAME_PATTERN.test(options.name)) {
        throw new InvalidArgumentError(
          `--name '${options.name}' is not allowed; names are letters, digits, '_', '.' and '-'`,
        );
      }
      if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
        throw new InvalidArgumentError(`--port must be from 0 to 65535, got ${options.port}`);
      }
      const signingKey = signingKeyFromEnv();
      const butler = await Butler.open(repo, { writeable: !options.readOnly });
      try {
        const { app, origin } = await listen(
          { repositories: [{ name: options.name, butler }], signingKey },
          options.host,
          options.port,
        );
        process.stdout.write(`Serving ${repo} at ${repositoryUrl(origin, options.name)}\n`);
        const signal = await untilStopSignal();
        process.stderr.write(`butler: ${signal}: closing the server\n`);
        await closeGracefully(app);
      } finally {
        await butler.close();
      }
    });
}
