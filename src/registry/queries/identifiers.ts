import {
  DIMENSION_ALIASES,
  type DimensionElement,
  type DimensionUniverse,
  type RecordField,
} from "../../core/index.ts";
import { didYouMean, unknownNameMessage as unknown } from "../../did-you-mean.ts";
import { InvalidQueryError } from "../../errors/index.ts";
import type { IdentifierNode } from "../where/ast.ts";

/** The kinds of values a query expression can produce, for type checks before any SQL runs. */
export type ValueType =
  | "int"
  | "float"
  | "string"
  | "bool"
  | "hash"
  | "time"
  | "timespan"
  | "region"
  | "uuid";

/** A dataset field a `where` expression can name: `dataset_id`, `calexp.run`, `bias.timespan` … */
export type DatasetField = "dataset_id" | "ingest_date" | "run" | "collection" | "timespan";

export const DATASET_FIELDS: readonly DatasetField[] = [
  "dataset_id",
  "ingest_date",
  "run",
  "collection",
  "timespan",
];

/** `header.KEY` and `<datasetType>.header.KEY` name indexed header values. */
export const HEADER_NAME = "header";

/** What a name in a `where` expression or an `orderBy` term refers to. */
export type ResolvedName =
  /** The primary key value of a dimension: `visit`, `visit.id`, `detector.instrument`. */
  | { readonly kind: "dimension"; readonly dimension: string }
  /** A non-key field of an element's record: `visit.exposure_time`, `detector.full_name`, `tract.region`. */
  | { readonly kind: "field"; readonly element: string; readonly field: RecordField }
  /** One end of an element's timespan: `visit.timespan.begin`. */
  | { readonly kind: "timespanBound"; readonly element: string; readonly bound: "begin" | "end" }
  /** A field of the datasets searched; `datasetType` is null when the name did not say which. */
  | { readonly kind: "dataset"; readonly datasetType: string | null; readonly field: DatasetField }
  /** An indexed FITS header value: `calexp.header.EXPTIME`, `header.AIRMASS` (one dataset type searched). */
  | { readonly kind: "header"; readonly datasetType: string | null; readonly key: string };

/** The part of the query a name is resolved against. */
export interface NameContext {
  readonly universe: DimensionUniverse;
  /** The dataset types the query searches (their names can prefix dataset fields). */
  readonly datasetTypes: readonly string[];
  /** The elements of the query's own dimensions: a bare field name (`full_name`) resolves among them. */
  readonly elements?: readonly string[];
}

/**
 * A bare field name (`full_name`) as daf_butler resolves it: the field of the one element of the query
 * that has it; several such elements are an error naming each qualified name.
 */
function bareField(name: string, context: NameContext): ResolvedName | undefined {
  const owners = (context.elements ?? [])
    .map((e) => context.universe.getElement(e))
    .filter((e) => e.hasOwnTable)
    .flatMap((element) => {
      const field = element.recordFields.find((f) => f.name === name && f.role !== "key");
      return field === undefined ? [] : [{ element, field }];
    });
  if (owners.length === 0) return undefined;
  if (owners.length > 1) {
    throw new InvalidQueryError(
      `name '${name}' in query expression is ambiguous: ${owners.map((o) => o.element.name).join(", ")} each have ` +
        `a field '${name}'; accepted: ${owners.map((o) => `${o.element.name}.${name}`).join(", ")}`,
    );
  }
  const { element, field } = owners[0]!;
  if (field.role === "required" || field.role === "implied")
    return { kind: "dimension", dimension: field.dimension! };
  return { kind: "field", element: element.name, field };
}

/**
 * Resolves a dotted name to what it refers to. Unknown names are InvalidQueryErrors that list or
 * suggest the accepted ones.
 */
export function resolveName(parts: readonly string[], context: NameContext): ResolvedName {
  const universe = context.universe;
  const [first, second, third] = parts as [string, string | undefined, string | undefined];
  const written = parts.join(".");
  if (second === undefined) {
    if (universe.hasDimension(first)) return { kind: "dimension", dimension: first };
    if ((DATASET_FIELDS as readonly string[]).includes(first) && first !== "timespan") {
      return { kind: "dataset", datasetType: null, field: first as DatasetField };
    }
    const bare = bareField(first, context);
    if (bare !== undefined) return bare;
    const candidates = [
      ...universe.dimensions.map((d) => d.name),
      ...DATASET_FIELDS.filter((f) => f !== "timespan"),
    ];
    throw new InvalidQueryError(
      unknown(
        `unknown name '${written}' in query expression`,
        didYouMean(first, candidates, { aliases: DIMENSION_ALIASES }),
        "dimension names, element.field, dataset_id, ingest_date, run, collection and <datasetType>.<field>",
      ),
    );
  }
  if (first === HEADER_NAME && !universe.hasElement(first)) {
    if (third !== undefined) {
      throw new InvalidQueryError(
        `'${written}': a header key with spaces, dots or dashes is written HEADER(<datasetType>, '${parts.slice(1).join(".")}')`,
      );
    }
    return { kind: "header", datasetType: null, key: second };
  }
  if (universe.hasElement(first)) {
    const element = universe.getElement(first);
    const field = fieldOf(element, second, written);
    if (third !== undefined) {
      if (field.type !== "timespan" || (third !== "begin" && third !== "end")) {
        throw new InvalidQueryError(
          `unknown name '${written}' in query expression; only a timespan has parts (.begin, .end)`,
        );
      }
      return { kind: "timespanBound", element: element.name, bound: third };
    }
    if (field.role === "key" || field.role === "required" || field.role === "implied") {
      return { kind: "dimension", dimension: field.dimension! };
    }
    return { kind: "field", element: element.name, field };
  }
  if (context.datasetTypes.includes(first)) {
    if (second === HEADER_NAME && third !== undefined && parts.length === 3) {
      return { kind: "header", datasetType: first, key: third };
    }
    if (!(DATASET_FIELDS as readonly string[]).includes(second) || third !== undefined) {
      throw new InvalidQueryError(
        unknown(
          `unknown dataset field '${written}'`,
          didYouMean(second, DATASET_FIELDS),
          DATASET_FIELDS.map((f) => `${first}.${f}`).join(", "),
        ),
      );
    }
    return { kind: "dataset", datasetType: first, field: second as DatasetField };
  }
  const candidates = [...universe.elements.map((e) => e.name), ...context.datasetTypes];
  throw new InvalidQueryError(
    unknown(
      `unknown element or dataset type '${first}' in '${written}'`,
      didYouMean(first, candidates),
      "dimension element names and the dataset types the query searches",
    ),
  );
}

/** The fields a bare orderBy name can mean: an element's own, not its dependencies' keys. */
const OWN_ROLES: ReadonlySet<string> = new Set(["key", "alternateKey", "metadata", "timespan"]);

/**
 * Resolves an `orderBy` name. Besides what `resolveName` takes, as in daf_butler: a bare field name
 * (`exposure_time`) or `timespan.begin`/`timespan.end` refers to the one element of the query's
 * dimensions that has it (the required dimensions' elements first, then the others), and in a record
 * query (`element` given) to that element's own field.
 */
export function resolveOrderName(
  name: string,
  context: NameContext,
  dimensions: { readonly required: readonly string[]; readonly elements: readonly string[] },
  element?: string,
): ResolvedName {
  if (name === "") throw new InvalidQueryError("empty name in orderBy; accepted: [-]name[.field]");
  const parts = name.split(".");
  if (parts.some((p) => p === "")) throw new InvalidQueryError(`empty name part in orderBy term '${name}'`);
  const universe = context.universe;
  const [first, second] = parts as [string, string | undefined];
  const isTimespanBound = first === "timespan" && (second === "begin" || second === "end");
  const ownName =
    (parts.length === 1 &&
      !universe.hasDimension(first) &&
      !(DATASET_FIELDS as readonly string[]).includes(first)) ||
    isTimespanBound;
  if (!ownName) {
    if (element !== undefined && parts.length > 1 && universe.hasElement(first) && first !== element) {
      const target = universe.getElement(element);
      const inTarget = target.required.includes(first) || target.implied.includes(first);
      if (!inTarget) {
        throw new InvalidQueryError(
          `orderBy term '${name}' names element '${first}', but the query returns ${element} records`,
        );
      }
    }
    return resolveName(parts, context);
  }
  const fieldName = isTimespanBound ? "timespan" : first;
  const has = (e: string) => {
    const candidate = universe.getElement(e);
    return (
      candidate.hasOwnTable &&
      candidate.recordFields.some((f) => f.name === fieldName && OWN_ROLES.has(f.role))
    );
  };
  let owners: string[];
  if (element !== undefined) owners = has(element) ? [element] : [];
  else {
    const required = dimensions.elements.filter((e) => dimensions.required.includes(e) && has(e));
    owners = required.length > 0 ? required : dimensions.elements.filter(has);
  }
  const what = isTimespanBound ? "a timespan" : `a field '${first}'`;
  if (owners.length === 0) {
    throw new InvalidQueryError(
      `order-by term '${name}': no ${element ?? "element of the query"} has ${what}` +
        (element === undefined
          ? didYouMean(first, dimensions.elements, { aliases: DIMENSION_ALIASES })
          : didYouMean(
              first,
              universe.getElement(element).recordFields.map((f) => f.name),
            )) +
        "; accepted: dimension names and element.field",
    );
  }
  if (owners.length > 1) {
    throw new InvalidQueryError(
      `orderBy term '${name}' is ambiguous: ${owners.join(", ")} each have ${what}; accepted: ${owners.map((o) => `${o}.${parts.join(".")}`).join(", ")}`,
    );
  }
  return resolveName([owners[0]!, ...parts], context);
}

/** Resolves an identifier node (see `resolveName`), adding its position to the message. */
export function resolveIdentifier(node: IdentifierNode, context: NameContext): ResolvedName {
  return resolveName(node.parts, context);
}

function fieldOf(element: DimensionElement, name: string, written: string): RecordField {
  const field = element.recordFields.find((f) => f.name === name);
  if (field !== undefined) return field;
  const names = element.recordFields.map((f) => f.name);
  throw new InvalidQueryError(
    unknown(
      `unknown field '${written}'`,
      didYouMean(name, names),
      `the fields of ${element.name}: ${names.join(", ")}`,
    ),
  );
}

/** The value type of a record field. */
export function fieldValueType(field: RecordField): ValueType {
  switch (field.type) {
    case "int":
    case "float":
    case "string":
    case "bool":
    case "hash":
    case "region":
    case "timespan":
      return field.type;
  }
}

/** The value type of a dimension's primary key. */
export function dimensionValueType(universe: DimensionUniverse, dimension: string): ValueType {
  return universe.getElement(dimension).primaryKey!.type === "int" ? "int" : "string";
}

/** The value type of a dataset field. */
export function datasetFieldType(field: DatasetField): ValueType {
  switch (field) {
    case "dataset_id":
      return "uuid";
    case "ingest_date":
      return "time";
    case "run":
    case "collection":
      return "string";
    case "timespan":
      return "timespan";
  }
}
