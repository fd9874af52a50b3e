/**
 * `butler ui REPO [--port P]`: `butler serve`'s server for one repository on 127.0.0.1 (a free port
 * unless one is given), without authentication (a single local user) and read-only: the web page at
 * its root and the repository's API beside it. Prints the page's URL; runs until SIGINT or SIGTERM.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "../../errors/index.ts";
import { closeGracefully, untilStopSignal } from "../../server/listen.ts";
import { localServerConfig, pageUrl, repositoryName, startServing } from "../serving.ts";

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(
      `--port takes a TCP port from 0 to 65535 (0: any free port); got '${value}'`,
    );
  }
  return port;
}

export function register(program: Command): void {
  program
    .command("ui")
    .description("Serve a web page for a repository on this machine and print its URL.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .option("--port <port>", "the port to listen on (default: any free port)", parsePort, 0)
    .action(async (repo: string, options: { port: number }) => {
      const name = repositoryName(repo);
      const serving = await startServing(localServerConfig(repo, { name, port: options.port }), {
        readOnly: true,
      });
      try {
        process.stdout.write(`Serving ${repo} at ${pageUrl(serving.origin, name)}\n(press Ctrl-C to stop)\n`);
        await untilStopSignal();
        await closeGracefully(serving.app);
      } finally {
        await serving.close();
      }
    });
}
