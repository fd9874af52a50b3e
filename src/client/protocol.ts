/**
 * The wire protocol between `butler serve` and RemoteButler: route paths and the JSON shapes of their
 * bodies. Names on the wire are snake_case (daf_butler's); refs, dataset types, data IDs and timespans
 * use core's own JSON forms (DatasetRef.toJSON and friends). Types and constants only, so the client
 * never loads the server's framework.
 */

import { SERVER_REPO_PATH } from "../butler/server-opener.ts";
import type { DatasetRefJson } from "../core/dataset-ref.ts";
import type { DatasetTypeJson } from "../core/dataset-type.ts";
import type { TimespanJson } from "../core/timespan.ts";
import type { ByteIndex } from "../datastore/byte-index.ts";

/** Where every repository is served: `${REPO_PREFIX}/${name}` (what Butler.open takes for a server). */
export const REPO_PREFIX = SERVER_REPO_PATH;
/** The names a served repository may have. */
export const REPO_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
/** The server-wide OpenAPI document. */
export const OPENAPI_PATH = "/api/butler/openapi.json";

/** Header the client sends with a fresh UUID per request. */
export const CLIENT_REQUEST_ID_HEADER = "x-butler-client-request-id";
/** Header the server answers with: the client's request id, or one of its own. */
export const REQUEST_ID_HEADER = "x-request-id";
/** Content type of streamed query results: one JSON object per line. */
export const JSON_LINES = "application/jsonlines";

/** Default limits (the server's options may change them). */
export const MAX_PAGE_ROWS = 2000;
export const MAX_DATASET_IDS = 10_000;
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
export const DEFAULT_URL_EXPIRY_SECONDS = 3600;

/**
 * Route paths below a repository's base (`${REPO_PREFIX}/{name}`), in fastify's `:param` form. `bytes`
 * takes the path within the datastore root after it (`/v1/bytes/a/b.fits`).
 */
export const ROUTES = {
  health: "/",
  butlerJson: "/butler.json",
  universe: "/v1/universe",
  datasetType: "/v1/dataset_type/:datasetTypeName",
  queryDatasetTypes: "/v1/query_dataset_types",
  queryCollectionInfo: "/v1/query_collection_info",
  collectionChain: "/v1/collection_chain/:collection",
  collectionSummary: "/v1/collection_summary",
  findDataset: "/v1/find_dataset",
  dataset: "/v1/dataset/:id",
  datasets: "/v1/datasets",
  expandDataId: "/v1/expand_data_id",
  queryDatasets: "/v1/query/datasets",
  queryDataIds: "/v1/query/data_ids",
  queryDimensionRecords: "/v1/query/dimension_records",
  queryHeaders: "/v1/query/headers",
  queryDatasetAssociations: "/v1/query/dataset_associations",
  getFile: "/v1/get_file",
  bytes: "/v1/bytes/*",
  putPrepare: "/v1/put/prepare",
  putCommit: "/v1/put/commit",
  upload: "/v1/uploads/:uploadId",
  getFileByDataId: "/v1/get_file_by_data_id",
  headerKeys: "/v1/header_keys/:datasetTypeName",
} as const;

export type RouteName = keyof typeof ROUTES;

/** The base URL of repository `name` on a server at `serverUrl` (`http://host:port`, no trailing slash). */
export function repositoryUrl(serverUrl: string, name: string): string {
  return `${serverUrl.replace(/\/+$/, "")}${REPO_PREFIX}/${encodeURIComponent(name)}`;
}

/**
 * A route's path with its `:params` filled in (URL-encoded), e.g.
 * `routePath("datasetType", {datasetTypeName: "calexp"})` → `/v1/dataset_type/calexp`.
 */
export function routePath(
  route: Exclude<RouteName, "bytes">,
  params: Readonly<Record<string, string>> = {},
): string {
  return ROUTES[route].replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new TypeError(`route ${route} needs parameter '${key}'`);
    return encodeURIComponent(value);
  });
}

// ---- errors --------------------------------------------------------------------------------------

/**
 * The body of every error response: 422 for a user error (a ButlerError's code and message, caret
 * line included), 401 UNAUTHENTICATED, 403 FORBIDDEN, 404 NOT_FOUND, 429/503 limits (with Retry-After),
 * 500 INTERNAL (no internals in `detail`).
 */
export interface ErrorResponse {
  error_type: string;
  detail: string;
  /** The dimension element a data ID value named (DATA_ID_VALUE, DIMENSION_RECORD_NOT_FOUND). */
  element?: string;
}

// ---- repository ----------------------------------------------------------------------------------

export interface HealthResponse {
  name: string;
  version: string;
}

/** What `butler.json` holds: the URL a client opens. */
export interface ClientConfigResponse {
  url: string;
}

/** `GET /v1/universe`: the configuration DimensionUniverse.fromConfig builds the universe from, as is. */
export type UniverseResponse = unknown;

// ---- dataset types and collections ---------------------------------------------------------------

/** `GET /v1/dataset_type/{name}`: the type itself; an unknown name is a 422 MISSING_DATASET_TYPE. */
export type DatasetTypeResponse = DatasetTypeJson;

export interface QueryDatasetTypesRequest {
  /** Names and globs (`*`, `?`, `[..]`); every type when absent. */
  pattern?: string | string[];
  /** Also list component dataset types (`calexp.wcs`). */
  components?: boolean;
}

export interface QueryDatasetTypesResponse {
  dataset_types: DatasetTypeJson[];
  /** Explicit names in `pattern` that matched nothing. */
  missing: string[];
}

/** Collection types as the registry names them. */
export type CollectionTypeName = "RUN" | "TAGGED" | "CHAINED" | "CALIBRATION";

export interface QueryCollectionInfoRequest {
  pattern?: string | string[];
  types?: CollectionTypeName[];
  flatten_chains?: boolean;
  /** List matching chains themselves (default: the opposite of flatten_chains). */
  include_chains?: boolean;
  /** Add each collection's summary (dataset type names). */
  include_summary?: boolean;
}

export interface CollectionInfo {
  name: string;
  type: CollectionTypeName;
  /** Children of a CHAINED collection, in search order. */
  children?: string[];
  doc?: string | null;
  /** With include_summary: the dataset types the collection (chain flattened) holds. */
  dataset_types?: string[];
}

export interface QueryCollectionInfoResponse {
  collections: CollectionInfo[];
}

/** `GET /v1/collection_chain/{collection}` */
export interface CollectionChainResponse {
  children: string[];
}

/** `POST /v1/collection_summary` */
export interface CollectionSummaryRequest {
  collections: string | string[];
}

export interface CollectionSummaryResponse {
  dataset_types: string[];
  governors: Record<string, string[]>;
}

// ---- datasets ------------------------------------------------------------------------------------

/** A data ID as sent: dimension (or alternate key, or `element.field`) → value. */
export type DataIdJson = Record<string, string | number>;

export interface FindDatasetRequest {
  /** A dataset type name, `parent.component` allowed. */
  dataset_type: string;
  data_id: DataIdJson;
  /** Collections to search in order (the server has no defaults of its own: required in practice). */
  collections?: string | string[];
  timespan?: TimespanJson | null;
}

export interface FindDatasetResponse {
  dataset_ref: DatasetRefJson | null;
}

/** `GET /v1/dataset/{id}` */
export interface DatasetResponse {
  dataset_ref: DatasetRefJson | null;
}

export interface DatasetsRequest {
  /** At most MAX_DATASET_IDS (or the server's maxIds). */
  dataset_ids: string[];
}

/** Refs in the order of the ids; unknown ids are left out. */
export interface DatasetsResponse {
  dataset_refs: DatasetRefJson[];
}

export interface ExpandDataIdRequest {
  data_id: DataIdJson;
  /** Dimensions the data ID is for; the ones its keys name when absent. */
  dimensions?: string[];
}

export interface ExpandDataIdResponse {
  /** Every value, required and implied. */
  data_id: DataIdJson;
  /** The record of every element of the data ID's dimensions, null where there is none. */
  records: Record<string, DimensionRecordJson | null>;
}

// ---- streamed queries ----------------------------------------------------------------------------

/** What every streamed query takes. */
export interface QueryRequestBase {
  where?: string;
  /** Bind values, encoded as `bind-wire.ts` says. */
  bind?: Record<string, unknown>;
  data_id?: DataIdJson;
  order_by?: string | string[];
  limit?: number;
  offset?: number;
  /** An empty result is an EMPTY_QUERY_RESULT error saying why. */
  explain?: boolean;
}

export interface QueryDatasetsRequest extends QueryRequestBase {
  dataset_type: string | string[];
  collections?: string | string[];
  find_first?: boolean;
  timespan?: TimespanJson | null;
}

export interface QueryDataIdsRequest extends QueryRequestBase {
  dimensions: string[];
  datasets?: string | string[];
  collections?: string | string[];
}

export interface QueryDimensionRecordsRequest extends QueryRequestBase {
  element: string;
  datasets?: string | string[];
  collections?: string | string[];
}

export interface QueryHeadersRequest extends QueryRequestBase {
  dataset_type: string;
  collections?: string | string[];
  /** FITS header keys; every indexed key when absent. */
  keys?: string[];
  find_first?: boolean;
}

/**
 * Every membership of datasets of one type in the matching collections (the registry's
 * queryDatasetAssociations): a dataset is listed once per collection holding it, and once per
 * validity range in a CALIBRATION collection.
 */
export interface QueryDatasetAssociationsRequest {
  /** One dataset type name (no globs, no components). */
  dataset_type: string;
  /** Names and globs; every collection when absent. */
  collections?: string | string[];
  collection_types?: CollectionTypeName[];
  /** Look inside matching CHAINED collections (chains themselves hold nothing). */
  flatten_chains?: boolean;
}

/** One membership: the ref (full data ID), the collection, and the validity range in a CALIBRATION one. */
export interface DatasetAssociationJson {
  dataset_ref: DatasetRefJson;
  collection: string;
  /** Null outside CALIBRATION collections. */
  timespan: TimespanJson | null;
}

/**
 * A dimension record on the wire: one property per record field; a timespan as TimespanJson, a
 * region as the hex of its sphgeom encoding, bytes as hex.
 */
export type DimensionRecordJson = Record<string, string | number | boolean | null | TimespanJson>;

/**
 * `GET /v1/header_keys/{datasetTypeName}`: the FITS header keys the repository indexes for a dataset
 * type (none for a type without an index), so a client asks the server only for those and reads the
 * others from the files itself.
 */
export interface HeaderKeysResponse {
  keys: string[];
}

/** One header scan row; values are JSON scalars (64-bit integers beyond 2^53 as decimal strings). */
export interface HeaderRowJson {
  dataset_ref: DatasetRefJson;
  values: Record<string, string | number | boolean | null>;
}

/** One line of a streamed result. A stream ends with exactly one `end` or `error` line. */
export type StreamLine<Row> =
  | { type: "page"; rows: Row[] }
  | { type: "keep_alive" }
  | ({ type: "error" } & ErrorResponse)
  | { type: "end"; total: number };

export type DatasetsStreamLine = StreamLine<DatasetRefJson>;
export type DataIdsStreamLine = StreamLine<DataIdJson>;
export type DimensionRecordsStreamLine = StreamLine<DimensionRecordJson>;
export type HeadersStreamLine = StreamLine<HeaderRowJson>;
export type DatasetAssociationsStreamLine = StreamLine<DatasetAssociationJson>;

// ---- files ---------------------------------------------------------------------------------------

export interface GetFileRequest {
  dataset_ids: string[];
  /** Only the file of this component when the dataset is stored disassembled. */
  component?: string;
}

/** A datastore record as stored. */
export interface FileRecordJson {
  dataset_id: string;
  component: string | null;
  /** Relative to the datastore root (`/`-separated), or absolute for a `direct` ingest. */
  path: string;
  formatter: string;
  storage_class: string;
  checksum: string | null;
  file_size: number;
  byte_index: ByteIndex | null;
}

export interface FileInfo {
  /** A URL the client GETs (with Range) without further credentials. */
  url: string;
  auth: "none";
  /** When `url` stops working, UNIX seconds. */
  expires: number;
  record: FileRecordJson;
}

export interface GetFileResponse {
  /** One entry per known dataset id, in request order; unknown ids are left out. */
  files: Array<{ dataset_ref: DatasetRefJson; file_info: FileInfo[] }>;
}

/**
 * `POST /v1/get_file_by_data_id`: find_dataset and get_file in one request, so a get by data ID is one
 * call to the server. Calibration types without a timespan are looked up at the time of the exposure
 * or visit the data ID names, as a local butler does.
 */
export interface GetFileByDataIdRequest {
  /** The parent dataset type (components are the client's business: the file is the parent's). */
  dataset_type: string;
  data_id: DataIdJson;
  collections: string | string[];
  timespan?: TimespanJson | null;
}

/** `dataset_ref` null: nothing found in the collections (file_info is then empty). */
export interface GetFileByDataIdResponse {
  dataset_ref: DatasetRefJson | null;
  file_info: FileInfo[];
}

/** Query parameters of a signed byte or upload URL. */
export interface SignedUrlQuery {
  expires: string;
  sig: string;
}

// ---- put -----------------------------------------------------------------------------------------

export interface PutPrepareRequest {
  dataset_type: string;
  data_id: DataIdJson;
  run: string;
  storage_class?: string;
  size: number;
  checksum: string;
  /** The formatter that wrote the file (the server's configured one for the type when absent). */
  formatter?: string;
  /** The ID of a resolved ref put as it is (its run is `run`); a new ID when absent. */
  dataset_id?: string;
}

export interface PutPrepareResponse {
  upload_id: string;
  url: string;
  method: "PUT";
  expires: number;
}

export interface PutCommitRequest {
  upload_id: string;
}

export interface PutCommitResponse {
  dataset_ref: DatasetRefJson;
}
