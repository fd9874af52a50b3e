import type { DataIdInput, DatasetType, DimensionGroup, Timespan } from "../../core/index.ts";
import { InvalidQueryError } from "../../errors/index.ts";
import type { NameExpression } from "../name-expression.ts";

/** What every query takes. */
export interface QueryOptions {
  /** A `where` expression in daf_butler's language: `visit IN (1..10) AND band = 'r'`. */
  readonly where?: string;
  /** Values for `:name` parameters of `where`; arrays expand inside IN. */
  readonly bind?: Readonly<Record<string, unknown>>;
  /** A data ID the results must match (keys may be alternate keys or `element.field`). */
  readonly dataId?: DataIdInput;
  /**
   * Result order: names (`visit`, `visit.exposure_time`, `visit.timespan.begin`, `ingest_date`), each
   * descending with a leading `-`.
   */
  readonly orderBy?: string | readonly string[];
  readonly limit?: number;
  readonly offset?: number;
  /** Throw EmptyQueryResultError, with the reasons, when nothing is found (default false). */
  readonly explain?: boolean;
}

/** Options of queries that may also require datasets to exist. */
export interface DatasetConstrainedOptions extends QueryOptions {
  /** Only data IDs with a dataset of each of these types in `collections`. */
  readonly datasets?: string | DatasetType | readonly (string | DatasetType)[];
  /** The collections `datasets` are searched in (names, globs; chains are flattened). */
  readonly collections?: NameExpression;
}

export type QueryDataIdsOptions = DatasetConstrainedOptions;
export type QueryDimensionRecordsOptions = DatasetConstrainedOptions;

export interface QueryDatasetsOptions extends QueryOptions {
  /**
   * The collections to search: names and globs; with `findFirst`, names only, in search order.
   * Required (a butler's registry fills in the butler's default collections).
   */
  readonly collections?: NameExpression;
  /** Only the first dataset of each data ID in the collections' order (default false). */
  readonly findFirst?: boolean;
  /**
   * The validity time for CALIBRATION collections: only datasets certified for a range overlapping it.
   * Without it, a find-first search skips CALIBRATION collections and other searches take every range.
   */
  readonly timespan?: Timespan | null;
}

/** The dimensions a data ID query returns. */
export type DimensionsInput = DimensionGroup | string | Iterable<string>;

/**
 * No text a registry stores holds a NUL character, and PostgreSQL refuses one in a parameter with an
 * untyped error: strings with NUL in the expression, bind values or data ID are InvalidQueryErrors.
 */
export function checkNoNul(options: QueryOptions): void {
  const bad = (value: unknown): boolean =>
    typeof value === "string" ? value.includes("\u0000") : Array.isArray(value) && value.some(bad);
  const where = options.where ?? "";
  const named = [
    ...(bad(where) ? ["the where expression"] : []),
    ...Object.entries(options.bind ?? {})
      .filter(([, v]) => bad(v))
      .map(([k]) => `bind value '${k}'`),
    ...(options.dataId instanceof Map ? [...options.dataId] : Object.entries(options.dataId ?? {}))
      .filter(([, v]) => bad(v))
      .map(([k]) => `data ID value '${k}'`),
  ];
  if (named.length > 0) {
    throw new InvalidQueryError(
      `${named.join(", ")} contain(s) a NUL character, which no stored text can hold`,
    );
  }
}
