/**
 * The `butler` command. Each subcommand lives in `commands/` and registers itself; this module wires
 * the global options and turns every failure into one line and an exit status.
 */
import { appendFileSync } from "node:fs";
import { Command, InvalidArgumentError as CommanderArgumentError, CommanderError } from "commander";
import { type LogLevel, parseLogLevelOption, setLogLevel, setLogSinks } from "../log.ts";
import { endQuietlyOnClosedPipe } from "./closed-pipe.ts";
import * as create from "./commands/create.ts";
import { DATA_COMMANDS } from "./commands/data-commands.ts";
import * as demo from "./commands/demo.ts";
import * as fitsHeader from "./commands/fits-header.ts";
import * as fitsInfo from "./commands/fits-info.ts";
import * as get from "./commands/get.ts";
import { REPO_COMMANDS } from "./commands/repo-commands.ts";
import * as scanMetadata from "./commands/scan-metadata.ts";
import { describeError, EXIT_STATUS, exitStatusOf, takeExitStatus } from "./errors.ts";
import { setProgressEnabled } from "./progress.ts";

const COMMANDS = [create, demo, fitsInfo, fitsHeader, get, scanMetadata, ...REPO_COMMANDS, ...DATA_COMMANDS];

export function buildProgram(): Command {
  const program = new Command("butler")
    .description("A data butler for astronomy: registry, datastore and FITS engine.")
    .option("--traceback", "print the stack of an error")
    .option(
      "--log-level <[COMPONENT=]LEVEL>",
      "log level, for all loggers or one component (repeatable; timer=debug shows where the time went)",
      collectLogLevel,
      [],
    )
    .option("--log-file <file>", "also write log records to this file, one per line")
    .option("--progress", "show progress bars on a terminal (the default)")
    .option("--no-progress", "do not show progress bars")
    .hook("preAction", (command) => applyGlobalOptions(command.opts()))
    .showHelpAfterError()
    .exitOverride();
  for (const command of COMMANDS) command.register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

function collectLogLevel(value: string, previous: { name: string; level: LogLevel }[]) {
  try {
    return [...previous, parseLogLevelOption(value)];
  } catch (err) {
    throw new CommanderArgumentError((err as Error).message);
  }
}

function applyGlobalOptions(options: {
  logLevel?: { name: string; level: LogLevel }[];
  logFile?: string;
  progress?: boolean;
}): void {
  setProgressEnabled(options.progress ?? true);
  for (const { name, level } of options.logLevel ?? []) setLogLevel(name, level);
  if (options.logFile !== undefined) {
    const file = options.logFile;
    const previous = setLogSinks([]);
    setLogSinks([
      ...previous,
      (record) => appendFileSync(file, `${JSON.stringify({ ...record, time: record.time.toISOString() })}\n`),
    ]);
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    takeExitStatus();
    await program.parseAsync(argv, { from: "user" });
    return takeExitStatus();
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user.
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.help" ||
        err.code === "commander.version"
      ) {
        return 0;
      }
      return EXIT_STATUS["USAGE"]!;
    }
    process.stderr.write(`${describeError(err)}\n`);
    if (program.opts().traceback && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitStatusOf(err);
  }
}

endQuietlyOnClosedPipe();
process.exitCode = await main(process.argv.slice(2));
