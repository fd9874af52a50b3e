/**
 * The `butler` command. Each subcommand lives in `commands/` and registers itself; this module wires
 * the global options and turns every failure into one line and an exit status.
 */
import { Command, CommanderError } from "commander";
import * as fitsHeader from "./commands/fits-header.ts";
import * as fitsInfo from "./commands/fits-info.ts";
import { describeError, EXIT_STATUS, exitStatusOf } from "./errors.ts";

const COMMANDS = [fitsInfo, fitsHeader];

export function buildProgram(): Command {
  const program = new Command("butler")
    .description("A data butler for astronomy: registry, datastore and FITS engine.")
    .option("--traceback", "print the stack of an error")
    .showHelpAfterError()
    .exitOverride();
  for (const command of COMMANDS) command.register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
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

process.exitCode = await main(process.argv.slice(2));
