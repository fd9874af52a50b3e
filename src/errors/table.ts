/** Errors of the `table` layer. */
import { ButlerError } from "./base.ts";

/** A column name (or glob) that matches no column of a table; lists the columns it has. */
export class UnknownColumnError extends ButlerError {
  readonly column: string;
  readonly available: readonly string[];

  constructor(column: string, available: readonly string[]) {
    super(
      "UNKNOWN_COLUMN",
      `column '${column}' is not in the table; its columns are: ${available.length > 0 ? available.join(", ") : "none"}`,
    );
    this.column = column;
    this.available = available;
  }
}

/** A table that cannot be built, written or read: columns of unequal length, a column type we lack. */
export class TableFormatError extends ButlerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TABLE_FORMAT", message, options);
  }
}
