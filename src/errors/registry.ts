/** Errors of the `registry` layer: definitions, lookups, queries and the `where` language, the database, export files. */
import { knownNames } from "../did-you-mean.ts";
import { ButlerError, type ErrorCode } from "./base.ts";

/** Lines longer than this are shown as a window around the error position in ExpressionSyntaxError. */
const EXCERPT_WIDTH = 120;

/**
 * A `where` expression that cannot be parsed. The message names what was wrong and where, then shows
 * the offending line with a caret under the position:
 *
 *     Syntax error at or near 'AND' (line 1, column 15):
 *     visit = 1 AND AND detector = 2
 *                   ^
 */
export class ExpressionSyntaxError extends ButlerError {
  /** The whole expression text. */
  readonly expression: string;
  /** 0-based offset into `expression` (UTF-16 code units); `expression.length` for the end of input. */
  readonly position: number;
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column within the line (UTF-16 code units). */
  readonly column: number;
  /** The message without location and excerpt, e.g. "Syntax error at or near 'AND'". */
  readonly reason: string;
  /** Source text of the offending token, when there is one (not at the end of input). */
  readonly token?: string;

  constructor(
    reason: string,
    expression: string,
    position: number,
    options?: { token?: string; cause?: unknown },
  ) {
    const pos = Math.max(0, Math.min(Math.trunc(position) || 0, expression.length));
    const lineStart = expression.lastIndexOf("\n", pos - 1) + 1;
    const newline = expression.indexOf("\n", pos);
    const lineEnd = newline < 0 ? expression.length : newline;
    const lineText = expression.slice(lineStart, lineEnd).replace(/\r$/, "");
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (expression.charCodeAt(i) === 10) line++;
    const column = pos - lineStart + 1;
    // Long lines are cut to a window around the position so the message stays readable.
    let from = 0;
    let to = lineText.length;
    if (lineText.length > EXCERPT_WIDTH) {
      from = Math.max(0, Math.min(column - 1 - EXCERPT_WIDTH / 2, lineText.length - EXCERPT_WIDTH));
      to = from + EXCERPT_WIDTH;
    }
    const head = from > 0 ? "..." : "";
    const excerpt = `${head}${lineText.slice(from, to)}${to < lineText.length ? "..." : ""}`;
    // Tabs are kept in the caret line so that the caret lines up however the terminal renders them.
    const pad = head.replace(/./g, " ") + lineText.slice(from, column - 1).replace(/[^\t]/g, " ");
    super(
      "EXPRESSION_SYNTAX",
      `${reason} (line ${line}, column ${column}):\n${excerpt}\n${pad}^`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.expression = expression;
    this.position = pos;
    this.line = line;
    this.column = column;
    this.reason = reason;
    if (options?.token !== undefined) this.token = options.token;
  }
}

/**
 * A definition that clashes with one the registry already holds: a dataset type registered again with
 * other dimensions or storage class, a dimension record that differs from the stored one, a dataset
 * whose dataset type and data ID are already in the run, overlapping calibration validity ranges.
 */
export class ConflictingDefinitionError extends ButlerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONFLICTING_DEFINITION", message, options);
  }
}

/** A dataset type name the registry does not know. */
export class MissingDatasetTypeError extends ButlerError {
  readonly datasetType: string;

  /** `known`: the registered names, for "did you mean" (the message says nothing about them when absent). */
  constructor(datasetType: string, message?: string, known?: readonly string[]) {
    super(
      "MISSING_DATASET_TYPE",
      message ??
        `dataset type '${datasetType}' is not registered${known === undefined ? "" : knownNames(datasetType, known)}`,
    );
    this.datasetType = datasetType;
  }
}

/** A collection name the registry does not know. */
export class MissingCollectionError extends ButlerError {
  readonly collection: string;

  /** `known`: the existing names, for "did you mean" (the message says nothing about them when absent). */
  constructor(collection: string, message?: string, known?: readonly string[]) {
    super(
      "MISSING_COLLECTION",
      message ??
        `collection '${collection}' does not exist${known === undefined ? "" : knownNames(collection, known)}`,
    );
    this.collection = collection;
  }
}

/** A CHAINED collection definition that would make a chain contain itself. */
export class CollectionCycleError extends ButlerError {
  readonly parent: string;
  readonly child: string;

  constructor(parent: string, child: string) {
    super(
      "COLLECTION_CYCLE",
      `cannot put '${child}' in chain '${parent}': '${child}' is '${parent}' or already contains it, which would ` +
        "make a cycle; accepted: collections that do not (directly or through other chains) contain the parent",
    );
    this.parent = parent;
    this.child = child;
  }
}

/**
 * A data ID value with no matching dimension record: `detector: "Zz"` when no detector has that
 * full name, or a key matched by several records. `element` is the dimension element looked up.
 */
export class DataIdValueError extends ButlerError {
  readonly element: string;

  constructor(element: string, message: string, code: ErrorCode = "DATA_ID_VALUE") {
    super(code, message);
    this.element = element;
  }
}

/** The record a data ID needs does not exist: no detector 99 of instrument Cam1. */
export class DimensionRecordNotFoundError extends DataIdValueError {
  /** The key values that were looked up, by field name. */
  readonly keys: Readonly<Record<string, unknown>>;

  constructor(element: string, keys: Readonly<Record<string, unknown>>, hint = "") {
    const described = Object.entries(keys)
      .map(([k, v]) => `${k}=${typeof v === "string" ? `'${v}'` : String(v)}`)
      .join(", ");
    const head = `no ${element} record with ${described}${hint}`;
    super(
      element,
      `${head}; insert it with insertDimensionData('${element}', …) first`,
      "DIMENSION_RECORD_NOT_FOUND",
    );
    this.cliMessage = `${head}; insert it first: butler insert-dimension-records REPO FILE (FILE maps '${element}' to its records)`;
    this.keys = keys;
  }
}

/** A write on a registry opened read-only. */
export class ReadOnlyRegistryError extends ButlerError {
  readonly operation: string;

  constructor(operation: string) {
    super(
      "READ_ONLY_REGISTRY",
      `${operation} needs a writeable registry, but this one was opened read-only; open it with writeable: true`,
    );
    this.operation = operation;
  }
}

/** A query that cannot be run as asked: wildcards where an ordered search needs names, bad arguments. */
export class InvalidQueryError extends ButlerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_QUERY", message, options);
  }
}

/** A query asked to explain an empty result: `reasons` says why nothing matched, as far as can be told. */
export class EmptyQueryResultError extends ButlerError {
  readonly reasons: readonly string[];

  constructor(what: string, reasons: readonly string[]) {
    super(
      "EMPTY_QUERY_RESULT",
      `${what} found nothing: ${reasons.length > 0 ? reasons.join("; ") : "no reason could be found (every constraint matches something on its own)"}`,
    );
    this.reasons = reasons;
  }
}

/** A calibration lookup whose timespan matches several datasets (ambiguous) or that lacks a timespan. */
export class CalibrationLookupError extends ButlerError {
  readonly datasetType: string;
  readonly collection: string;

  constructor(datasetType: string, collection: string, message: string) {
    super("CALIBRATION_LOOKUP", message);
    this.datasetType = datasetType;
    this.collection = collection;
  }
}

/** A removal refused because other rows still need what would be removed. */
export class OrphanedRecordError extends ButlerError {
  constructor(message: string) {
    super("ORPHANED_RECORD", message);
  }
}

/** A dataset ID (or ref) that the registry does not hold; `datasetId` is absent when a search found none. */
export class DatasetNotFoundError extends ButlerError {
  readonly datasetId?: string;

  constructor(datasetId: string | undefined, message?: string) {
    super("DATASET_NOT_FOUND", message ?? `no dataset with id ${datasetId} in the registry`);
    if (datasetId !== undefined) this.datasetId = datasetId;
  }
}

/** A find-first search that found nothing: names the dataset type, data ID and collections searched. */
export class DatasetNotFoundInCollectionsError extends DatasetNotFoundError {
  readonly datasetType: string;
  readonly dataId: string;
  readonly collections: readonly string[];

  constructor(datasetType: string, dataId: string, collections: readonly string[], hint = "") {
    super(
      undefined,
      `dataset ${datasetType} with data ID ${dataId} could not be found in collections [${collections.join(", ")}]${hint}`,
    );
    this.datasetType = datasetType;
    this.dataId = dataId;
    this.collections = collections;
  }
}

/** A registry database whose schema is missing, newer than this code, or not migratable. */
export class SchemaVersionError extends ButlerError {
  readonly found: string | null;
  readonly supported: string;

  constructor(found: string | null, supported: string, message: string) {
    super("SCHEMA_VERSION", message);
    this.found = found;
    this.supported = supported;
  }
}

/** Which check an export file failed; see ExportFormatError. */
export type ExportFormatErrorKind =
  /** Not YAML, or not a mapping with a `data` list. */
  | "syntax"
  /** A `version` other than legacy 0 or 1.0.x. */
  | "version"
  /** A YAML tag the exchange format does not define (UnknownTagError). */
  | "tag"
  /** A tagged value that does not decode: a malformed uuid, time, timespan, region or base64. */
  | "value"
  /** A field missing or of the wrong type, or an unknown item type. */
  | "structure"
  /** A dataset's data ID that lacks a dimension of its dataset type, or has a wrong value. */
  | "dataId"
  /** A dataset type, dataset or dimension element the file names but nothing defines. */
  | "reference"
  /** The file's dimension universe cannot be used with the repository's. */
  | "universe";

/**
 * A butler export file (YAML exchange format 1.0.x or legacy 0, or a zip index) that cannot be read
 * or imported. `kind` says which check failed; `path` locates the value in the file's data
 * (`data[3].records[0].dataset_id`), and the message adds the line and column when known.
 */
export class ExportFormatError extends ButlerError {
  readonly kind: ExportFormatErrorKind;
  readonly path?: string;

  constructor(kind: ExportFormatErrorKind, message: string, options?: { path?: string; cause?: unknown }) {
    super(
      "EXPORT_FORMAT",
      options?.path === undefined ? message : `${options.path}: ${message}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.kind = kind;
    if (options?.path !== undefined) this.path = options.path;
  }
}

/**
 * A YAML tag that the export format does not define. `tag` is the tag as YAML resolves it (`!foo`,
 * `lsst.sphgeom.Ellipse` for `!<lsst.sphgeom.Ellipse>`); the message shows it as written.
 */
export class UnknownTagError extends ExportFormatError {
  readonly tag: string;

  constructor(tag: string, written: string, accepted: readonly string[], where = "") {
    super("tag", `unknown YAML tag '${written}'${where}; accepted: ${accepted.join(", ")}`);
    this.tag = tag;
  }
}

/** A registry database that does not exist where the repository config says; opening never creates one. */
export class RegistryNotFoundError extends ButlerError {
  readonly location: string;

  constructor(location: string) {
    super(
      "REGISTRY_NOT_FOUND",
      `no registry database at ${location}; check registry.db in butler.yaml, or create a repository with 'butler create'`,
    );
    this.location = location;
  }
}

/** A registry opened for writing whose database file or directory this process cannot write. */
export class RegistryNotWriteableError extends ButlerError {
  readonly location: string;

  constructor(location: string, reason: string) {
    super(
      "REGISTRY_NOT_WRITEABLE",
      `the registry database ${location} cannot be written (${reason}); reads work: open the repository without write access (no run, not writeable)`,
    );
    this.location = location;
  }
}

/** What went wrong with the database itself, as opposed to a statement's values. */
export type RegistryDatabaseErrorCode =
  /** Another writer holds the lock longer than the busy timeout. */
  | "REGISTRY_LOCKED"
  /** A statement or an idle transaction ran past its timeout. */
  | "REGISTRY_TIMEOUT"
  /** The database cannot be reached or opened: refused, silent, missing, not openable. */
  | "REGISTRY_UNAVAILABLE"
  /** The disk (or quota) holding the database is full. */
  | "REGISTRY_FULL"
  /** The file is damaged, or is not a database at all. */
  | "REGISTRY_CORRUPT";

/** A registry database that cannot serve: locked, full, corrupt, unreachable, timed out. */
export class RegistryDatabaseError extends ButlerError {
  /** Where the database is (a path, or a URI without its password). */
  readonly location: string;
  /** The driver's own code (`SQLITE_BUSY`, `ECONNREFUSED`, `3D000`, …) when there was one. */
  readonly driverCode?: string;

  constructor(
    code: RegistryDatabaseErrorCode,
    location: string,
    message: string,
    options: { driverCode?: string; cause?: unknown } = {},
  ) {
    super(code, `registry database ${location}: ${message}`, { cause: options.cause });
    this.location = location;
    if (options.driverCode !== undefined) this.driverCode = options.driverCode;
  }
}

/** A token id that the repository's token table does not hold. */
export class TokenNotFoundError extends ButlerError {
  readonly tokenId: string;

  constructor(tokenId: string) {
    super(
      "TOKEN_NOT_FOUND",
      `no access token with id '${tokenId}' in this repository; 'butler token list REPO' shows the ids`,
    );
    this.tokenId = tokenId;
  }
}

/** A registry query stopped because its caller gave up (a client went away). */
export class QueryCancelledError extends ButlerError {
  constructor(options?: { cause?: unknown }) {
    super("QUERY_CANCELLED", "the registry query was cancelled by its caller", options);
  }
}
