/**
 * The `butler` program (butler.ts runs it). Each subcommand lives in `commands/` and registers itself;
 * this module wires the global options and turns every failure into one line and an exit status. Only
 * the module of the subcommand being run is imported (see command-table.ts), so start-up does not grow
 * with the number of commands.
 */
import { appendFileSync, readFileSync } from "node:fs";
import {
  Command,
  InvalidArgumentError as CommanderArgumentError,
  CommanderError,
  Help,
  type Option,
} from "commander";
import { type LogLevel, parseLogLevelOption, setLogLevel, setLogSinks } from "../log.ts";
import { COMMAND_TABLE } from "./command-table.ts";
import { describeError, EXIT_STATUS, exitStatusOf, takeExitStatus } from "./errors.ts";
import { setProgressEnabled } from "./progress.ts";

/** Global options that take a value: the word after them is not the subcommand. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(["--log-level", "--log-file"]);

/** The subcommand `argv` runs (for `help COMMAND`, that COMMAND), or undefined for none. */
export function commandNameOf(argv: readonly string[]): string | undefined {
  let sawHelp = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return argv[i + 1];
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (arg === "help" && !sawHelp) sawHelp = true;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

function packageVersion(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** Help without `(default: {})` or `(default: [])`: an empty collection is no default worth printing. */
function optionDescription(this: Help, option: Option): string {
  const value: unknown = option.defaultValue;
  const empty =
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
  const shown = empty
    ? Object.assign(Object.create(Object.getPrototypeOf(option)), option, { defaultValue: undefined })
    : option;
  return Help.prototype.optionDescription.call(this, shown);
}

/**
 * The program for `argv`: the global options, the one subcommand `argv` names registered by its own
 * module, and every other subcommand as a name and description only (enough for `--help` and for
 * "did you mean" on a mistyped name).
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("butler")
    .description("A data butler for astronomy: registry, datastore and FITS engine.")
    .version(packageVersion(), "-V, --version", "print the version of butler-ts")
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
    .configureHelp({ optionDescription, subcommandTerm: (command) => command.name() })
    .addHelpText("after", "\nRun `butler COMMAND --help` for the arguments and options of a command.")
    .hook("preAction", (command) => applyGlobalOptions(command.opts()))
    .showHelpAfterError()
    .exitOverride();
  const name = commandNameOf(argv);
  for (const entry of COMMAND_TABLE) {
    if (entry.name === name) (await entry.load()).register(program);
    else program.command(entry.name).description(entry.description);
  }
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
  const program = await buildProgram(argv);
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
      return EXIT_STATUS.USAGE;
    }
    process.stderr.write(`${describeError(err)}\n`);
    if (program.opts().traceback && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitStatusOf(err);
  }
}
