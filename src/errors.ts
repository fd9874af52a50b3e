/**
 * One error base for the whole butler. Every error has a stable `code` (the CLI maps codes to exit
 * statuses), typed fields that explain it, and the underlying failure as `cause`.
 * It imports only `did-you-mean.ts`, which imports nothing, so that every layer, however low, can use it.
 */
import { didYouMean, knownNames, unknownNameMessage } from "./did-you-mean.ts";

export class ButlerError extends Error {
  readonly code: string;
  /**
   * The message in a command-line user's words, where the API's differ (`--collections` for
   * `{ collections }`); the CLI prints it instead of `message`.
   */
  cliMessage?: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Narrows `err` to a ButlerError, optionally with one of the given codes. */
export function isButlerError(err: unknown, ...codes: string[]): err is ButlerError {
  return err instanceof ButlerError && (codes.length === 0 || codes.includes(err.code));
}

/** Where in a FITS stream a problem was found; every field is optional because not every check knows it. */
export interface FitsLocation {
  /** File path or URI of the stream. */
  uri?: string;
  /** 0-based HDU index. */
  hdu?: number;
  /** Byte offset in the (decompressed) stream. */
  offset?: number;
  /** 1-based card number within the HDU's header. */
  card?: number;
}

function describeLocation(where: FitsLocation): string {
  const parts: string[] = [];
  if (where.uri !== undefined) parts.push(where.uri);
  if (where.hdu !== undefined) parts.push(`HDU ${where.hdu}`);
  if (where.card !== undefined) parts.push(`card ${where.card}`);
  if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** A FITS stream breaks the standard: truncated, garbage, inconsistent sizes, corrupt tiles. */
export class FitsFormatError extends ButlerError {
  readonly uri?: string;
  readonly hdu?: number;
  readonly offset?: number;
  readonly card?: number;

  constructor(message: string, where: FitsLocation = {}, options?: { cause?: unknown }) {
    super("FITS_FORMAT", `${message}${describeLocation(where)}`, options);
    this.uri = where.uri;
    this.hdu = where.hdu;
    this.offset = where.offset;
    this.card = where.card;
  }
}

/** A tile-compression algorithm we recognise but do not decode (or do not know at all). */
export class UnsupportedCompressionError extends ButlerError {
  readonly algorithm: string;

  constructor(algorithm: string, supported: readonly string[], where: FitsLocation = {}) {
    super(
      "UNSUPPORTED_COMPRESSION",
      `compression '${algorithm}' is not supported${describeLocation(where)}; supported: ${supported.join(", ")}`,
    );
    this.algorithm = algorithm;
  }
}

/** A CHECKSUM or DATASUM card does not match the bytes. */
export class ChecksumMismatchError extends ButlerError {
  constructor(message: string, where: FitsLocation = {}) {
    super("CHECKSUM_MISMATCH", `${message}${describeLocation(where)}`);
  }
}

/** A read asked for bytes outside the object, or the object returned fewer bytes than asked. */
export class ByteRangeError extends ButlerError {
  readonly key: string;
  readonly offset: number;
  readonly length: number;

  constructor(key: string, offset: number, length: number, detail: string) {
    super("BYTE_RANGE", `cannot read ${length} bytes at offset ${offset} of ${key}: ${detail}`);
    this.key = key;
    this.offset = offset;
    this.length = length;
  }
}

/** The object was not found where its key says. */
export class ObjectNotFoundError extends ButlerError {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super("NOT_FOUND", `no such object: ${key}`, options);
    this.key = key;
  }
}

/** The object changed between two reads (its ETag or modification stamp differs). */
export class EtagMismatchError extends ButlerError {
  readonly key: string;

  constructor(key: string, expected: string, actual: string) {
    super("ETAG_MISMATCH", `${key} changed while being read: etag ${expected} became ${actual}`);
    this.key = key;
  }
}

/** Arguments or options that a function or command does not accept. */
export class InvalidArgumentError extends ButlerError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}

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
 * A sky region or coordinate that cannot be built: a latitude outside ±90° ("invalid latitude angle"),
 * a malformed IVOA POS string, a degenerate polygon, or undecodable region bytes. It is an invalid
 * argument (same code and exit status); `kind` says which check failed.
 */
export class InvalidRegionError extends InvalidArgumentError {
  readonly kind: "coordinate" | "pos" | "polygon" | "circle" | "box" | "encoding";

  constructor(kind: InvalidRegionError["kind"], message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A dimension universe configuration that breaks the schema (unknown field, bad type, cycle, …). */
export class DimensionConfigError extends ButlerError {
  constructor(message: string) {
    super("DIMENSION_CONFIG", message);
  }
}

/**
 * A name that is not a dimension, element or record field of the universe, or a required dimension
 * of a data ID that has no value. `key` is the offending name.
 */
export class DimensionNameError extends ButlerError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("DIMENSION_NAME", message);
    this.key = key;
  }
}

/** A data ID or dimension record value of the wrong type for its dimension or field. */
export class DimensionValueError extends ButlerError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("DIMENSION_VALUE", message);
    this.key = key;
  }
}

/** Two values given for the same dimension of a data ID disagree. */
export class InconsistentDataIdError extends ButlerError {
  readonly dimension: string;

  constructor(dimension: string, message: string) {
    super("INCONSISTENT_DATA_ID", message);
    this.dimension = dimension;
  }
}

/** A record-field constraint of a data ID (`detector.full_name = 'Ab'`) that only a registry can resolve. */
export interface PendingDataIdConstraint {
  readonly element: string;
  readonly field: string;
  readonly value: unknown;
}

/** A data ID names a dimension by an alternate key or a record field; a registry must look it up. */
export class UnresolvedDataIdError extends ButlerError {
  readonly constraints: readonly PendingDataIdConstraint[];

  constructor(constraints: readonly PendingDataIdConstraint[]) {
    const described = constraints.map((c) => `${c.element}.${c.field}=${JSON.stringify(c.value)}`);
    super(
      "UNRESOLVED_DATA_ID",
      `data ID needs a registry lookup to resolve ${described.join(", ")}; ` +
        "give primary key values, or resolve it through the registry",
    );
    this.constraints = constraints;
  }
}

/** A dataset type name, definition or component that is not valid. */
export class DatasetTypeError extends ButlerError {
  constructor(message: string) {
    super("DATASET_TYPE", message);
  }
}

/** A dataset ID that is not a UUID string, or an unknown ID generation mode. */
export class InvalidDatasetIdError extends ButlerError {
  constructor(message: string) {
    super("INVALID_DATASET_ID", message);
  }
}

/** A collection name that is empty, too long or otherwise not accepted. */
export class CollectionNameError extends ButlerError {
  readonly collection: string;

  constructor(collection: string, message: string) {
    super("COLLECTION_NAME", message);
    this.collection = collection;
  }
}

/** An unknown collection type, or a collection of the wrong type for an operation. */
export class CollectionTypeError extends ButlerError {
  constructor(message: string) {
    super("COLLECTION_TYPE", message);
  }
}

/** A time or timespan that cannot be parsed, converted or represented. */
export class InvalidTimeError extends ButlerError {
  constructor(message: string) {
    super("INVALID_TIME", message);
  }
}

/**
 * A file that is valid FITS but breaks the afw Exposure layout: a plane whose EXTTYPE names another
 * plane, an archive index that points at a missing catalog, a DATE-AVG whose TIMESYS is not TAI, …
 */
export class ImageFormatError extends ButlerError {
  readonly uri?: string;
  readonly hdu?: number;

  constructor(message: string, where: FitsLocation = {}, options?: { cause?: unknown }) {
    super("IMAGE_FORMAT", `${message}${describeLocation(where)}`, options);
    this.uri = where.uri;
    this.hdu = where.hdu;
  }
}

/**
 * A mask plane dictionary that afw would refuse (one name on two bits, two names on one bit, a bit
 * outside the pixel type), or a plane name that the dictionary does not have.
 */
export class MaskPlaneError extends ButlerError {
  /** The plane name or names at fault. */
  readonly planes: readonly string[];

  constructor(message: string, planes: readonly string[]) {
    super("MASK_PLANE", message);
    this.planes = planes;
  }
}

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

/** A storage class name that the configuration does not define. */
export class MissingStorageClassError extends ButlerError {
  readonly storageClass: string;

  constructor(storageClass: string, known: readonly string[]) {
    const hint =
      known.length > 0
        ? `; known storage classes include: ${known.slice(0, 20).join(", ")}${known.length > 20 ? ", …" : ""}`
        : "";
    super("MISSING_STORAGE_CLASS", `storage class '${storageClass}' is not defined${hint}`);
    this.storageClass = storageClass;
  }
}

/** A storage class configuration that breaks the schema's rules. */
export class StorageClassConfigError extends ButlerError {
  constructor(message: string) {
    super("STORAGE_CLASS_CONFIG", message);
  }
}

/** A component that a storage class does not have (e.g. `calexp.metadta`). */
/** A component the storage class has, absent from this dataset (a calexp stored without a PSF). */
export class MissingComponentError extends ButlerError {
  readonly component: string;

  constructor(component: string, dataset: string, present: readonly string[] = []) {
    super(
      "MISSING_COMPONENT",
      `${dataset} has no '${component}' component: it was stored without one` +
        (present.length > 0 ? `; its file holds: ${present.join(", ")}` : ""),
    );
    this.component = component;
  }
}

export class UnknownComponentError extends ButlerError {
  readonly component: string;
  readonly accepted: readonly string[];

  constructor(component: string, owner: string, accepted: readonly string[]) {
    super(
      "UNKNOWN_COMPONENT",
      unknownNameMessage(
        `component '${component}' is not understood by ${owner}`,
        didYouMean(component, accepted),
        accepted.length > 0 ? accepted.join(", ") : "none",
        "components",
      ),
    );
    this.component = component;
    this.accepted = accepted;
  }
}

/** A read parameter that a storage class does not take. */
export class UnknownParameterError extends ButlerError {
  readonly parameters: readonly string[];
  readonly accepted: readonly string[];

  constructor(parameters: readonly string[], storageClass: string, accepted: readonly string[]) {
    const names = parameters.map((p) => `'${p}'`).join(", ");
    super(
      "UNKNOWN_PARAMETER",
      `parameter${parameters.length > 1 ? "s" : ""} ${names} not understood by storage class ${storageClass}; accepted parameters: ${accepted.length > 0 ? accepted.join(", ") : "none"}`,
    );
    this.parameters = parameters;
    this.accepted = accepted;
  }
}

/** A read parameter of the wrong type or value (e.g. `origin: "123"`). */
export class InvalidParameterError extends ButlerError {
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super("INVALID_PARAMETER", `parameter '${parameter}': ${message}`);
    this.parameter = parameter;
  }
}

/** A file template that is malformed, or cannot name a file for a dataset. */
export class FileTemplateError extends ButlerError {
  readonly template: string;

  constructor(template: string, message: string) {
    super("FILE_TEMPLATE", `file template '${template}': ${message}`);
    this.template = template;
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

  constructor(element: string, message: string, code = "DATA_ID_VALUE") {
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

/** A dataset ID (or ref) that the registry does not hold. */
export class DatasetNotFoundError extends ButlerError {
  readonly datasetId: string;

  constructor(datasetId: string, message?: string) {
    super("DATASET_NOT_FOUND", message ?? `no dataset with id ${datasetId} in the registry`);
    this.datasetId = datasetId;
  }
}

/** A find-first search that found nothing: names the dataset type, data ID and collections searched. */
export class DatasetNotFoundInCollectionsError extends DatasetNotFoundError {
  readonly datasetType: string;
  readonly dataId: string;
  readonly collections: readonly string[];

  constructor(datasetType: string, dataId: string, collections: readonly string[], hint = "") {
    super(
      "",
      `dataset ${datasetType} with data ID ${dataId} could not be found in collections [${collections.join(", ")}]${hint}`,
    );
    this.datasetType = datasetType;
    this.dataId = dataId;
    this.collections = collections;
  }
}

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

/**
 * A dataset the datastore already holds: a file at the path its template gives, or a record for its
 * ID. It is a ConflictingDefinitionError (same code), with the path and dataset ID as fields.
 */
export class DatasetAlreadyExistsError extends ConflictingDefinitionError {
  readonly datasetId: string;
  readonly path: string;

  constructor(datasetId: string, path: string, reason: string) {
    super(`dataset ${datasetId} cannot be stored at ${path}: ${reason}`);
    this.datasetId = datasetId;
    this.path = path;
  }
}

/** A dataset the datastore has no record of (never stored there, or removed). */
export class DatasetNotInDatastoreError extends ButlerError {
  readonly datasetId: string;

  constructor(datasetId: string, detail = "") {
    super("DATASET_NOT_IN_DATASTORE", `the datastore has no record of dataset ${datasetId}${detail}`);
    this.datasetId = datasetId;
  }
}

/** A datastore record whose file is missing: deleted behind the butler's back, or the root moved. */
export class DatasetFileNotFoundError extends ButlerError {
  readonly datasetId: string;
  readonly path: string;

  constructor(datasetId: string, path: string, options?: { cause?: unknown }) {
    super(
      "DATASET_FILE_NOT_FOUND",
      `the file of dataset ${datasetId} is missing: ${path} does not exist, although the datastore has a record for it`,
      options,
    );
    this.datasetId = datasetId;
    this.path = path;
  }
}

/** A stored file whose size or checksum differs from what its datastore record says. */
export class FileIntegrityError extends ButlerError {
  readonly path: string;

  constructor(path: string, message: string) {
    super("FILE_INTEGRITY", `${path}: ${message}`);
    this.path = path;
  }
}

/** A formatter name that no formatter is registered under. */
export class UnknownFormatterError extends ButlerError {
  readonly formatter: string;
  readonly registered: readonly string[];

  constructor(formatter: string, registered: readonly string[]) {
    super(
      "UNKNOWN_FORMATTER",
      `no formatter is registered as '${formatter}'; registered: ${registered.length > 0 ? registered.join(", ") : "none"}`,
    );
    this.formatter = formatter;
    this.registered = registered;
  }
}

/** A registered formatter that cannot run here because a package it needs is not installed. */
export class FormatterUnavailableError extends ButlerError {
  readonly formatter: string;
  readonly missing: readonly string[];

  constructor(formatter: string, missing: readonly string[], detail = "") {
    const needs =
      missing.length === 0
        ? ""
        : `: it needs ${missing.join(" and ")}, which ${missing.length > 1 ? "are" : "is"} not installed`;
    super("FORMATTER_UNAVAILABLE", `formatter '${formatter}' is not available${needs}${detail}`);
    this.formatter = formatter;
    this.missing = missing;
  }
}

/** No formatter (or template) is configured for a dataset, or the one configured cannot take it. */
export class FormatterLookupError extends ButlerError {
  constructor(message: string) {
    super("FORMATTER_LOOKUP", message);
  }
}

/** A write recipe that the formatter does not know, or cannot carry out yet. */
export class WriteRecipeError extends ButlerError {
  readonly formatter: string;
  readonly recipe: string;

  constructor(formatter: string, recipe: string, message: string) {
    super("WRITE_RECIPE", `formatter '${formatter}', write recipe '${recipe}': ${message}`);
    this.formatter = formatter;
    this.recipe = recipe;
  }
}

/** A formatter failed to read or write a dataset; the message says which dataset, file and formatter. */
export class FormatterError extends ButlerError {
  readonly formatter: string;

  constructor(formatter: string, message: string, options?: { cause?: unknown }) {
    super("FORMATTER", message, options);
    this.formatter = formatter;
  }
}

/** A datastore configuration that cannot be used (bad root, template, lookup entry or transfer mode). */
export class DatastoreConfigError extends ButlerError {
  constructor(message: string) {
    super("DATASTORE_CONFIG", message);
  }
}

/**
 * A remote store (HTTP, WebDAV, S3) answered with an error or could not be reached. `retryable` says
 * whether trying again may help (5xx, 429, timeouts, resets, truncated bodies); `status` is the HTTP
 * status when there was an answer.
 */
export class RemoteStoreError extends ButlerError {
  readonly uri: string;
  readonly operation: string;
  readonly status?: number;
  readonly retryable: boolean;

  constructor(
    uri: string,
    operation: string,
    detail: string,
    options: { status?: number; retryable: boolean; cause?: unknown },
  ) {
    super(
      "REMOTE_STORE",
      `${operation} ${uri} failed: ${detail}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.uri = uri;
    this.operation = operation;
    if (options.status !== undefined) this.status = options.status;
    this.retryable = options.retryable;
  }
}

/** A remote operation kept failing with transient errors until its retry budget was spent; `cause` is the last failure. */
export class RetriesExhaustedError extends ButlerError {
  readonly uri: string;
  readonly operation: string;
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(uri: string, operation: string, attempts: number, elapsedMs: number, cause: unknown) {
    const last = cause instanceof Error ? `: ${cause.message}` : "";
    super(
      "RETRIES_EXHAUSTED",
      `${operation} ${uri} gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} in ${Math.round(elapsedMs)} ms${last}`,
      { cause },
    );
    this.uri = uri;
    this.operation = operation;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/** A write that must not replace an existing object found one at its target. */
export class ResourceExistsError extends ButlerError {
  readonly uri: string;

  constructor(uri: string, options?: { cause?: unknown }) {
    super("RESOURCE_EXISTS", `${uri} already exists and would be replaced`, options);
    this.uri = uri;
  }
}

/** A URI that cannot name a resource: unknown scheme, malformed, or missing a bucket or host. */
export class InvalidUriError extends InvalidArgumentError {
  readonly uri: string;

  constructor(uri: string, reason: string) {
    super(`invalid resource URI '${uri}': ${reason}`);
    this.uri = uri;
  }
}

/**
 * A datastore write or removal whose target, once symbolic links are resolved, is outside the directory
 * it must stay in (the datastore root, or the destination of a retrieval or export).
 */
export class PathEscapeError extends ButlerError {
  readonly path: string;
  readonly root: string;

  constructor(path: string, root: string, resolved: string) {
    super(
      "PATH_ESCAPE",
      `${path} resolves to ${resolved}, outside ${root}; a symbolic link inside ${root} points out of it. ` +
        "Replace the link with a directory, or move the data inside",
    );
    this.path = path;
    this.root = root;
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

/** A server configuration (server.yaml) with a missing, unknown or invalid setting. */
export class ServerConfigError extends ButlerError {
  /** The dotted path of the setting at fault (`repositories.main.uri`), or the file for a whole-file problem. */
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super("SERVER_CONFIG", `server configuration: ${key}: ${message}`, options);
    this.key = key;
  }
}

/**
 * A request that asks for more than a server allows at once: too many dataset ids, too many uploaded
 * rows, too large a body. The message names the limit; split the request.
 */
export class RequestTooLargeError extends ButlerError {
  readonly what: string;
  readonly count: number;
  readonly limit: number;

  constructor(what: string, count: number, limit: number) {
    super(
      "REQUEST_TOO_LARGE",
      `${what}: ${count} is more than this server accepts in one request (at most ${limit}); split the request`,
    );
    this.what = what;
    this.count = count;
    this.limit = limit;
  }
}
