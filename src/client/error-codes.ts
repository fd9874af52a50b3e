/**
 * A server's user errors (HTTP 422, and error lines of a stream) carry the ButlerError's code and
 * message. The client raises them again as the same class, so `instanceof` and `isButlerError(err,
 * code)` work as they do on a local butler. Where several classes share a code the map names their
 * common base (DATASET_NOT_FOUND → DatasetNotFoundError, whose subclass adds only a message).
 */
import {
  ButlerError,
  CalibrationLookupError,
  CollectionCycleError,
  CollectionNameError,
  CollectionTypeError,
  ConflictingDefinitionError,
  DataIdValueError,
  DatasetFileNotFoundError,
  DatasetNotFoundError,
  DatasetNotInDatastoreError,
  DatasetTypeError,
  DimensionNameError,
  DimensionRecordNotFoundError,
  DimensionValueError,
  EmptyQueryResultError,
  ExpressionSyntaxError,
  FileIntegrityError,
  FormatterError,
  InconsistentDataIdError,
  InvalidArgumentError,
  InvalidDatasetIdError,
  InvalidParameterError,
  InvalidQueryError,
  InvalidTimeError,
  MissingCollectionError,
  MissingComponentError,
  MissingDatasetTypeError,
  MissingStorageClassError,
  NoDefaultCollectionError,
  ReadOnlyButlerError,
  ReadOnlyRegistryError,
  RegistryNotWriteableError,
  UnknownComponentError,
  UnknownParameterError,
  UnresolvedDataIdError,
} from "../errors/index.ts";

type ErrorClass = abstract new (...args: never[]) => ButlerError;

const CLASSES: Readonly<Record<string, ErrorClass>> = {
  CALIBRATION_LOOKUP: CalibrationLookupError,
  COLLECTION_CYCLE: CollectionCycleError,
  COLLECTION_NAME: CollectionNameError,
  COLLECTION_TYPE: CollectionTypeError,
  CONFLICTING_DEFINITION: ConflictingDefinitionError,
  DATA_ID_VALUE: DataIdValueError,
  DATASET_FILE_NOT_FOUND: DatasetFileNotFoundError,
  DATASET_NOT_FOUND: DatasetNotFoundError,
  DATASET_NOT_IN_DATASTORE: DatasetNotInDatastoreError,
  DATASET_TYPE: DatasetTypeError,
  DIMENSION_NAME: DimensionNameError,
  DIMENSION_RECORD_NOT_FOUND: DimensionRecordNotFoundError,
  DIMENSION_VALUE: DimensionValueError,
  EMPTY_QUERY_RESULT: EmptyQueryResultError,
  EXPRESSION_SYNTAX: ExpressionSyntaxError,
  FILE_INTEGRITY: FileIntegrityError,
  FORMATTER: FormatterError,
  INCONSISTENT_DATA_ID: InconsistentDataIdError,
  INVALID_ARGUMENT: InvalidArgumentError,
  INVALID_DATASET_ID: InvalidDatasetIdError,
  INVALID_PARAMETER: InvalidParameterError,
  INVALID_QUERY: InvalidQueryError,
  INVALID_TIME: InvalidTimeError,
  MISSING_COLLECTION: MissingCollectionError,
  MISSING_COMPONENT: MissingComponentError,
  MISSING_DATASET_TYPE: MissingDatasetTypeError,
  MISSING_STORAGE_CLASS: MissingStorageClassError,
  NO_DEFAULT_COLLECTION: NoDefaultCollectionError,
  READ_ONLY_BUTLER: ReadOnlyButlerError,
  READ_ONLY_REGISTRY: ReadOnlyRegistryError,
  REGISTRY_NOT_WRITEABLE: RegistryNotWriteableError,
  UNKNOWN_COMPONENT: UnknownComponentError,
  UNKNOWN_PARAMETER: UnknownParameterError,
  UNRESOLVED_DATA_ID: UnresolvedDataIdError,
};

/**
 * The error a server reported, as its class when the code has one, else a ButlerError with that code.
 * Only the base constructor runs (the classes' own take fields the wire does not carry), with the
 * class as `new.target`: the result is an instance of that class with the server's message, and
 * with the `element` of a data ID error when the server sent it.
 */
export function errorFromServer(code: string, detail: string, element?: string): ButlerError {
  const cls = Object.hasOwn(CLASSES, code) ? CLASSES[code]! : ButlerError;
  const err = Reflect.construct(ButlerError, [code, detail], cls) as ButlerError;
  if (element !== undefined && err instanceof DataIdValueError) {
    Object.defineProperty(err, "element", { value: element, enumerable: true });
  }
  // An empty result's reasons are the message's list after the colon (see EmptyQueryResultError).
  if (code === "EMPTY_QUERY_RESULT") {
    const reasons = detail.slice(detail.indexOf(": ") + 2).split("; ");
    Object.defineProperty(err, "reasons", { value: reasons, enumerable: true });
  }
  return err;
}
