/** Errors only the command line raises. */
import { ButlerError } from "./base.ts";

/**
 * A refusal that is neither a bad argument nor a missing thing (a run in a chain without `--force`);
 * it exits with status 1, as daf_butler's does.
 */
export class CommandRefusedError extends ButlerError {
  constructor(message: string) {
    super("REFUSED", message);
    this.name = "CommandRefusedError";
  }
}
