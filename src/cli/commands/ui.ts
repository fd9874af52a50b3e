/**
 * `butler ui REPO [--port P]`: serves the web page for one repository on 127.0.0.1 (a free port unless
 * one is given) and prints its URL; runs until interrupted (Ctrl-C) or terminated.
 */
import type { Command } from "commander";
import { Butler } from "../../butler/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { repositoryName, startLocalUi } from "../../web/local-server.ts";

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
      const butler = await Butler.open(repo);
      try {
        const ui = await startLocalUi(butler, repositoryName(repo), options.port);
        process.stdout.write(`Serving ${repo} at ${ui.url}\n(press Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await ui.close();
      } finally {
        await butler.close();
      }
    });
}
