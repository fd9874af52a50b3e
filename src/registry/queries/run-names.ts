/**
 * The run name (`rc.name`) of each row of a dataset query. A row has its dataset's `__id` and, when
 * only RUN collections are searched, the `__collection` it was found in: that collection is the
 * dataset's run, so the dataset is not looked up by UUID (an index probe per row, about half of a
 * find-first statement in measurements).
 */
import { type RawBuilder, sql } from "kysely";
import { TABLES } from "../schema/static-tables.ts";
import type { HeaderAttachment } from "./header-rows.ts";

export interface RunNameJoin {
  /** The joins to add after the row's relation (they bring `rc`). */
  readonly joins: RawBuilder<unknown>;
  /** Their conditions, for the WHERE clause. */
  readonly condition: RawBuilder<unknown>;
}

/** How the rows of relation `alias` get their run's name; `runsOnly` when they carry `__collection`. */
export function runNameJoin(alias: string, runsOnly: boolean): RunNameJoin {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  const collection = sql`CROSS JOIN ${sql.table(TABLES.collection)} AS rc`;
  return runsOnly
    ? { joins: collection, condition: sql`rc.collection_id = ${column("__collection")}` }
    : {
        joins: sql`CROSS JOIN ${sql.table(TABLES.dataset)} AS d ${collection}`,
        condition: sql`d.id = ${column("__id")} AND rc.collection_id = d.run_id`,
      };
}

/** Adds the run name to each row of a dataset query (see `runNameJoin`), and the header values. */
export function withRun(
  inner: RawBuilder<unknown>,
  attach: HeaderAttachment,
  runsOnly: boolean,
): RawBuilder<unknown> {
  const run = runNameJoin("w", runsOnly);
  return sql`SELECT w.*, rc.name AS __run${attach.columns} FROM (${inner}) AS w
    ${run.joins} ${attach.join("w")}
    WHERE ${run.condition}`;
}
