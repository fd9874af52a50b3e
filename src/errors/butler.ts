/** Errors of the `butler` layer: the facade's own checks and the repository configuration. */
import { ButlerError } from "./base.ts";

/** A write (put, ingest, removal, import) on a butler opened read-only. */
export class ReadOnlyButlerError extends ButlerError {
  readonly operation: string;

  constructor(operation: string) {
    super(
      "READ_ONLY_BUTLER",
      `${operation} needs a writeable butler, but this one is read-only; open it with a run, or with writeable: true`,
    );
    this.operation = operation;
  }
}

/** A butler call that needs collections or a run when the call gives none and the butler has no default. */
export class NoDefaultCollectionError extends ButlerError {
  readonly what: "collections" | "run";

  constructor(what: "collections" | "run", operation: string) {
    super(
      "NO_DEFAULT_COLLECTION",
      what === "run"
        ? `${operation} needs a RUN collection: pass { run } to the call, or open the butler with a run`
        : `${operation} needs collections to search: pass { collections } to the call, or open the butler with collections or a run`,
    );
    this.cliMessage =
      what === "run"
        ? `${operation} needs a RUN collection: give --run`
        : `${operation} needs collections to search: give --collections`;
    this.what = what;
  }
}

/** A repository configuration (butler.yaml) that is missing or cannot be used. */
export class RepositoryConfigError extends ButlerError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("REPOSITORY_CONFIG", `${path}: ${message}`, options);
    this.path = path;
  }
}
