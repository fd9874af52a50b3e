/** Errors of the `datastore` layer: file templates, records, stored files, formatters. */
import { ButlerError } from "./base.ts";
import { ConflictingDefinitionError } from "./registry.ts";

/** A file template that is malformed, or cannot name a file for a dataset. */
export class FileTemplateError extends ButlerError {
  readonly template: string;

  constructor(template: string, message: string) {
    super("FILE_TEMPLATE", `file template '${template}': ${message}`);
    this.template = template;
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
