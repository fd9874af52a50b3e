/** JSON schemas shared by the routes' request bodies. */

/** A name or glob, or a list of them. */
export const NAME_PATTERN_SCHEMA = {
  anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
} as const;

/**
 * Collection type names (RUN, TAGGED, CHAINED, CALIBRATION). Any string passes: an unknown one is the
 * registry's COLLECTION_TYPE error, which says which names it accepts.
 */
export const COLLECTION_TYPES_SCHEMA = { type: "array", items: { type: "string" } } as const;

/** A data ID: dimension (or alternate key, or element.field) → value. */
export const DATA_ID_SCHEMA = {
  type: "object",
  additionalProperties: { anyOf: [{ type: "string" }, { type: "integer" }] },
} as const;

/** A timespan as Timespan.toJSON writes it. */
export const TIMESPAN_SCHEMA = {
  anyOf: [
    { type: "null" },
    { const: "EMPTY" },
    {
      type: "object",
      properties: {
        begin: { anyOf: [{ type: "string" }, { type: "null" }] },
        end: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["begin", "end"],
      additionalProperties: false,
    },
  ],
} as const;

/** The options every query takes. */
export const QUERY_BASE_PROPERTIES = {
  where: { type: "string" },
  bind: { type: "object" },
  data_id: DATA_ID_SCHEMA,
  order_by: NAME_PATTERN_SCHEMA,
  // A negative limit or offset is refused by the query itself, as an invalid query.
  limit: { type: "integer" },
  offset: { type: "integer" },
  explain: { type: "boolean" },
} as const;

/** A list of dataset ids, at most `max`. */
export function datasetIdsSchema(max: number) {
  return { type: "array", items: { type: "string", maxLength: 64 }, maxItems: max } as const;
}
