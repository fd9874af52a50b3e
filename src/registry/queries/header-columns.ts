/**
 * Header values in queries: `calexp.header.EXPTIME`, `header.AIRMASS` and `HEADER(calexp, 'KEY')`
 * compile to the key's column of the dataset type's header values table, LEFT JOINed once per dataset
 * search on its primary key (NULL when the dataset has no value), typed as the key, so comparisons,
 * NOT, OR and ordering follow the rest of the language and values stay bound. A join rather than a
 * scalar subquery lets PostgreSQL hash-join.
 */
import { type RawBuilder, sql } from "kysely";
import { InvalidQueryError } from "../../errors/index.ts";
import { parseHeaderKey } from "../../fits/header-key.ts";
import type { HeaderKeyRecord } from "../managers/header-index-manager.ts";
import { headerValueColumn, headerValuesTableName } from "../schema/header-tables.ts";
import type { ValueType } from "./identifiers.ts";
import type { JoinPlan } from "./join-plan.ts";
import type { Compiled } from "./where-scope.ts";

/** Whether a `where` or `orderBy` may name header values (so the indexed keys must be loaded). */
export function mentionsHeaders(
  where: string | undefined,
  orderBy: string | readonly string[] | undefined,
): boolean {
  const order = typeof orderBy === "string" ? orderBy : (orderBy ?? []).join(",");
  return /header/i.test(where ?? "") || /header/i.test(order);
}

const VALUE_TYPES: Readonly<Record<string, ValueType>> = {
  logical: "bool",
  integer: "int",
  float: "float",
  string: "string",
};

/**
 * Joins the header values table of `key`'s dataset type to the dataset search `search` (relation
 * `ds<search>`); returns the alias.
 */
export type JoinHeader = (key: HeaderKeyRecord, search: number) => string;

/** A JoinHeader over a join plan, joining each search's values table once. */
export function headerJoiner(joins: JoinPlan): JoinHeader {
  const joined = new Set<string>();
  return (key, search) => {
    const alias = `hd${search}`;
    if (!joined.has(alias)) {
      joined.add(alias);
      joins.addLeftJoin(
        sql.table(headerValuesTableName(key.datasetTypeId)),
        alias,
        sql`${sql.ref(`${alias}.dataset_id`)} = ${sql.ref(`ds${search}.dataset_id`)}`,
      );
    }
    return alias;
  };
}

/**
 * The value of `key` for the dataset search of `datasetType` (the only search when null). `searches`
 * are the dataset type names in search order (their relations are `ds<i>`), `keys` the indexed keys
 * of each.
 */
export function headerValue(
  searches: readonly string[],
  keys: ReadonlyMap<string, readonly HeaderKeyRecord[]>,
  datasetType: string | null,
  key: string,
  join: JoinHeader,
): Compiled {
  const written = datasetType === null ? `header.${key}` : `${datasetType}.header.${key}`;
  if (searches.length === 0) {
    throw new InvalidQueryError(`'${written}' names a header value, but the query searches no datasets`);
  }
  let index = 0;
  if (datasetType === null) {
    if (searches.length > 1) {
      throw new InvalidQueryError(
        `'${written}' is ambiguous in a query over several dataset types; accepted: ${searches.map((s) => `${s}.header.${key}`).join(", ")}`,
      );
    }
  } else {
    index = searches.indexOf(datasetType);
    if (index < 0) {
      throw new InvalidQueryError(
        `'${written}': the query does not search ${datasetType}; accepted: ${searches.join(", ")}`,
      );
    }
  }
  const type = searches[index]!;
  let name: string;
  try {
    name = parseHeaderKey(key).name;
  } catch (err) {
    throw new InvalidQueryError((err as Error).message);
  }
  const indexed = keys.get(type) ?? [];
  const record = indexed.find((k) => k.name === name);
  if (record === undefined) {
    const list = indexed.map((k) => k.name).join(", ");
    throw new InvalidQueryError(
      `header key '${name}' is not indexed for ${type}; ` +
        (list === ""
          ? `${type} has no indexed header keys (add some with 'butler index-headers')`
          : `indexed keys: ${list}`),
    );
  }
  // A key with no value seen yet has no column: every dataset's value is NULL.
  const value: RawBuilder<unknown> =
    record.type === null
      ? sql`CAST(NULL AS TEXT)`
      : sql.ref(`${join(record, index)}.${headerValueColumn(record.id)}`);
  return { kind: "scalar", type: VALUE_TYPES[record.type ?? "string"]!, sql: value };
}
