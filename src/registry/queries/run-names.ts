/**
 * The run name of each row of a dataset query, joined onto the query as a subquery: from the run of
 * `__id`'s dataset, or, when only RUN collections are searched, from the collection `__collection` the
 * row was found in (no lookup of the dataset by UUID).
 */
import { type RawBuilder, sql } from "kysely";
import { TABLES } from "../schema/static-tables.ts";
import type { HeaderAttachment } from "./header-rows.ts";

/** Adds the name of the run `__collection` to each row of a dataset query over RUN collections. */
export function withRunOf(inner: RawBuilder<unknown>, attach: HeaderAttachment): RawBuilder<unknown> {
  return sql`SELECT w.*, rc.name AS __run${attach.columns} FROM (${inner}) AS w
    CROSS JOIN ${sql.table(TABLES.collection)} AS rc ${attach.join("w")}
    WHERE rc.collection_id = w.__collection`;
}

/** Adds the run name of `__id`'s dataset to each row of a dataset query. */
export function withRun(inner: RawBuilder<unknown>, attach: HeaderAttachment): RawBuilder<unknown> {
  return sql`SELECT w.*, rc.name AS __run${attach.columns} FROM (${inner}) AS w
    CROSS JOIN ${sql.table(TABLES.dataset)} AS d CROSS JOIN ${sql.table(TABLES.collection)} AS rc
    ${attach.join("w")}
    WHERE d.id = w.__id AND rc.collection_id = d.run_id`;
}
