/** Errors of the `time` layer. */
import { ButlerError } from "./base.ts";

/** A time or timespan that cannot be parsed, converted or represented. */
export class InvalidTimeError extends ButlerError {
  constructor(message: string) {
    super("INVALID_TIME", message);
  }
}
