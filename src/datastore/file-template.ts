/**
 * File templates in daf_butler's syntax: a path with named fields, `{run}/{datasetType}/{visit:08d}/…`.
 * A field names a dimension, `element.field` of an attached record, `datasetType`, `component`, `run`,
 * `id` or `skypix`; `a|b` takes the first alternative the data ID has; the format spec takes Python's
 * `[[fill]align][0][width][.precision][type]` plus two markers: `?` (optional: a missing field is dropped
 * together with the literal text before it, unless that text holds a `/`) and `/` (keep `/` in the value,
 * otherwise it becomes `_`). Values are sanitised so that no path escapes the datastore root.
 */
import { FileTemplateError } from "../errors/index.ts";

/** What a template needs to know about one dataset. */
export interface TemplateInput {
  /** Parent dataset type name (without the component). */
  datasetType: string;
  component?: string;
  run: string;
  id: string;
  /** Data ID values, required and implied. */
  dataId: Readonly<Record<string, string | number | bigint>>;
  /** Dimension records by element name, for `element.field` fields. */
  records?: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
}

interface Field {
  /** Alternatives, each a name or `element.field`. */
  names: string[];
  spec: string;
  optional: boolean;
  keepSlash: boolean;
}

interface Segment {
  literal: string;
  field?: Field;
}

/** Fields that are not dimensions. */
export const SPECIAL_FIELDS: ReadonlySet<string> = new Set([
  "run",
  "datasetType",
  "component",
  "id",
  "skypix",
]);

const UNSAFE = /[ <>:"\\|?*]/g;

export class FileTemplate {
  readonly template: string;
  readonly #segments: Segment[];

  constructor(template: string) {
    this.template = template;
    this.#segments = parseTemplate(template);
    this.#validate();
  }

  /** Field names used, optionally with optional ones and the special (non-dimension) ones. */
  fields(options: { optionals?: boolean; specials?: boolean } = {}): Set<string> {
    const out = new Set<string>();
    for (const { field } of this.#segments) {
      if (field === undefined || (field.optional && !options.optionals)) continue;
      for (const name of field.names) {
        if (SPECIAL_FIELDS.has(name) && !options.specials) continue;
        out.add(name);
      }
    }
    return out;
  }

  /** The relative path (without extension) for a dataset. */
  format(input: TemplateInput): string {
    let path = "";
    let usedComponent = false;
    for (const { literal, field } of this.#segments) {
      if (field === undefined) {
        path += literal;
        continue;
      }
      const value = this.#lookup(field, input);
      if (value === undefined) {
        if (!field.optional) {
          throw new FileTemplateError(
            this.template,
            `no value for '${field.names.join("|")}' in the data ID of ${input.datasetType} (${describe(input.dataId)})`,
          );
        }
        // A missing optional field takes its leading literal with it, unless that literal is a separator.
        if (literal.includes("/")) path += literal;
        continue;
      }
      if (field.names.includes("component")) usedComponent = true;
      let text = applySpec(value, field.spec, this.template).replace(UNSAFE, "_");
      if (!field.keepSlash) text = text.replaceAll("/", "_");
      path += literal + text;
    }
    if (input.component !== undefined && !usedComponent) {
      throw new FileTemplateError(
        this.template,
        `dataset ${input.datasetType}.${input.component} is a component but the template has no {component} field`,
      );
    }
    return normalize(path, this.template);
  }

  #lookup(field: Field, input: TemplateInput): string | number | bigint | undefined {
    for (const name of field.names) {
      const value = lookupName(name, input, this.template);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  #validate(): void {
    const fields = this.#segments.flatMap((s) => (s.field ? [s.field] : []));
    if (fields.length === 0) throw new FileTemplateError(this.template, "it has no fields");
    const names = new Set(fields.flatMap((f) => f.names));
    if (names.has("collection")) {
      throw new FileTemplateError(
        this.template,
        "{collection} is not allowed: a dataset's path must not change with the collections it is in; use {run}",
      );
    }
    if (!names.has("run") && !names.has("id")) {
      throw new FileTemplateError(this.template, "it must contain {run} or {id} so that paths are unique");
    }
    if (!names.has("id") && ![...names].some((n) => !SPECIAL_FIELDS.has(n))) {
      throw new FileTemplateError(
        this.template,
        "it must contain a dimension field (or {id}) so that paths are unique",
      );
    }
    if (names.has("id")) {
      const lastSlash = this.template.lastIndexOf("/");
      if (!this.template.slice(lastSlash + 1).includes("{id")) {
        throw new FileTemplateError(this.template, "{id} must be in the file name, not in a directory");
      }
    }
    // Templates name paths relative to the datastore root, and nothing else.
    const literals = this.#segments.map((s) => s.literal);
    const head = literals[0] ?? "";
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(head)) {
      throw new FileTemplateError(
        this.template,
        `'${head.slice(0, head.indexOf(":") + 1)}' is a URI scheme; a template is a path relative to the datastore root`,
      );
    }
    if (head.startsWith("/") || head.startsWith("\\")) {
      throw new FileTemplateError(
        this.template,
        "it is an absolute path; a template is a path relative to the datastore root",
      );
    }
    if (/(^|[\\/])\.\.([\\/]|$)/.test(literals.join(""))) {
      throw new FileTemplateError(this.template, "'..' would leave the datastore root");
    }
  }
}

function lookupName(
  name: string,
  input: TemplateInput,
  template: string,
): string | number | bigint | undefined {
  switch (name) {
    case "run":
      return input.run;
    case "datasetType":
      return input.datasetType;
    case "component":
      return input.component;
    case "id":
      return input.id;
    case "skypix": {
      const key = Object.keys(input.dataId).find((k) => /^(htm|healpix)\d+$/.test(k));
      return key === undefined ? undefined : input.dataId[key];
    }
  }
  const dot = name.indexOf(".");
  if (dot < 0) return input.dataId[name];
  const element = name.slice(0, dot);
  const column = name.slice(dot + 1);
  if (!(element in input.dataId)) return undefined;
  if (input.records === undefined) {
    throw new FileTemplateError(
      template,
      `'${name}' needs the data ID's dimension records, which are not attached`,
    );
  }
  const value = input.records[element]?.[column];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "bigint") return value;
  return String(value);
}

function describe(dataId: TemplateInput["dataId"]): string {
  return Object.entries(dataId)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** Splits a template into literal text and fields, checking brace balance. */
function parseTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  let literal = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === "}") {
      if (template[i + 1] === "}") {
        literal += "}";
        i += 2;
        continue;
      }
      throw new FileTemplateError(template, `unmatched '}' at ${i}`);
    }
    if (c !== "{") {
      literal += c;
      i++;
      continue;
    }
    if (template[i + 1] === "{") {
      literal += "{";
      i += 2;
      continue;
    }
    const close = template.indexOf("}", i);
    if (close < 0) throw new FileTemplateError(template, `unmatched '{' at ${i}`);
    segments.push({ literal, field: parseField(template.slice(i + 1, close), template) });
    literal = "";
    i = close + 1;
  }
  if (literal !== "") segments.push({ literal });
  return segments;
}

function parseField(text: string, template: string): Field {
  const colon = text.indexOf(":");
  let head = colon < 0 ? text : text.slice(0, colon);
  let spec = colon < 0 ? "" : text.slice(colon + 1);
  // `!s` / `!r` conversions are accepted and mean "as text".
  const bang = head.indexOf("!");
  if (bang >= 0) head = head.slice(0, bang);
  let optional = false;
  let keepSlash = false;
  // The markers may come in either order at the end of the spec: `{visit:04d?}`, `{run:/}`, `{run:?/}`.
  for (;;) {
    if (spec.endsWith("?")) optional = true;
    else if (spec.endsWith("/")) keepSlash = true;
    else break;
    spec = spec.slice(0, -1);
  }
  const names = head.split("|").map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(n))) {
    throw new FileTemplateError(
      template,
      `'{${text}}' is not a field name (names, element.field, or a|b alternatives)`,
    );
  }
  return { names, spec, optional, keepSlash };
}

const SPEC = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(?:\.(\d+))?([sdxXfeEgo])?$/;

/** A subset of Python's format spec: fill, alignment, sign, zero padding, width, precision and type. */
function applySpec(value: string | number | bigint, spec: string, template: string): string {
  if (spec === "") return String(value);
  const match = SPEC.exec(spec);
  if (match === null) throw new FileTemplateError(template, `format spec '${spec}' is not supported`);
  const [, fillChar, align, sign, zero, widthText, precisionText, type] = match;
  let text: string;
  const numeric = typeof value !== "string";
  if (type === "d" || type === "x" || type === "X" || type === "o") {
    if (!numeric) throw new FileTemplateError(template, `format '${spec}' needs a number, got '${value}'`);
    const big = BigInt(value as number | bigint);
    const base = type === "d" ? 10 : type === "o" ? 8 : 16;
    text = (big < 0n ? -big : big).toString(base);
    if (type === "X") text = text.toUpperCase();
    text = (big < 0n ? "-" : sign === "+" ? "+" : "") + text;
  } else if (type === "f" && numeric) {
    text = Number(value).toFixed(precisionText === undefined ? 6 : Number(precisionText));
  } else {
    text = String(value);
    if (precisionText !== undefined) text = text.slice(0, Number(precisionText));
  }
  const width = widthText === undefined ? 0 : Number(widthText);
  if (text.length >= width) return text;
  if (zero !== undefined && align === undefined) {
    const negative = text.startsWith("-") || text.startsWith("+");
    return negative ? text[0] + text.slice(1).padStart(width - 1, "0") : text.padStart(width, "0");
  }
  const fill = fillChar ?? " ";
  const alignment = align ?? (numeric ? ">" : "<");
  if (alignment === "<") return text + fill.repeat(width - text.length);
  if (alignment === "^") {
    const left = Math.floor((width - text.length) / 2);
    return fill.repeat(left) + text + fill.repeat(width - text.length - left);
  }
  return fill.repeat(width - text.length) + text;
}

/** Collapses `//`, drops leading `/` and `./`, sanitises the file name, and refuses `..`. */
function normalize(path: string, template: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === ".."))
    throw new FileTemplateError(template, `path '${path}' would leave the datastore root`);
  if (parts.length === 0) throw new FileTemplateError(template, "the path is empty");
  // In the file name, '.' would be mistaken for an extension and '#' for a URI fragment.
  const last = parts.length - 1;
  parts[last] = parts[last]!.replaceAll(".", "_").replaceAll("#", "HASH");
  return parts.join("/");
}
