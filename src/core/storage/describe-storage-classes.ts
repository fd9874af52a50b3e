/**
 * The storage class reference as Markdown, rendered from a factory (so it shows inheritance resolved:
 * ExposureF lists every component it has, not only the three it overrides). docs/storage-classes.md is
 * this function's output for our shipped config; a test keeps the two equal.
 */
import type { StorageClass } from "./storage-class.ts";
import type { StorageClassFactory } from "./storage-class-factory.ts";

export interface DescribeOptions {
  /** The config file named in the page's preamble, relative to the repository root. */
  source: string;
  /** The command that regenerates the page, named in its preamble. */
  command: string;
  /** The formatter (and write recipe) that stores a class by default; the datastore layer knows it. */
  formatterOf?: (storageClass: StorageClass) => string | undefined;
}

/** One table cell: no line breaks, pipes escaped. */
function cell(text: string | undefined): string {
  if (text === undefined || text === "") return "—";
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(text: string | undefined): string {
  return text === undefined ? "—" : `\`${text}\``;
}

/** A heading's anchor as GitHub makes it (lower case, spaces to hyphens, most punctuation dropped). */
function anchor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

function link(name: string, known: ReadonlySet<string>): string {
  return known.has(name) ? `[${name}](#${anchor(name)})` : code(name);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/** A storage class worth a full section: it has components or parameters. */
function isStructured(sc: StorageClass): boolean {
  return sc.components.size > 0 || sc.derivedComponents.size > 0 || sc.parameters.size > 0;
}

function section(sc: StorageClass, known: ReadonlySet<string>, options: DescribeOptions): string[] {
  const lines = [`### ${sc.name}`, ""];
  if (sc.doc !== undefined) lines.push(sc.doc.trim(), "");
  const facts = [
    `- Inherits from: ${sc.ancestors.length === 0 ? "—" : sc.ancestors.map((a) => link(a, known)).join(" → ")}`,
    `- Type here: ${code(sc.pytype)}; Python type in daf_butler: ${code(sc.pythonType)}`,
  ];
  if (sc.delegate !== undefined) facts.push(`- Assembler (delegate): ${code(sc.delegate)}`);
  const formatter = options.formatterOf?.(sc);
  if (options.formatterOf !== undefined)
    facts.push(`- Stored by default with: ${formatter ?? "no formatter"}`);
  lines.push(...facts, "");
  const componentRows = (map: ReadonlyMap<string, string>) =>
    [...map].map(([name, target]) => [code(name), link(target, known), cell(sc.componentDocs.get(name))]);
  if (sc.components.size > 0) {
    lines.push(`#### Components (${sc.components.size})`, "");
    lines.push(...table(["component", "storage class", "what it is"], componentRows(sc.components)), "");
  }
  if (sc.derivedComponents.size > 0) {
    lines.push(`#### Derived components (${sc.derivedComponents.size})`, "");
    lines.push(
      ...table(["component", "storage class", "what it is"], componentRows(sc.derivedComponents)),
      "",
    );
  }
  if (sc.parameters.size > 0) {
    lines.push(`#### Parameters (${sc.parameters.size})`, "");
    lines.push(
      ...table(
        ["parameter", "what it does"],
        [...sc.parameters].map((p) => [code(p), cell(sc.parameterDocs.get(p))]),
      ),
      "",
    );
  }
  return lines;
}

/** The reference page for every class of `factory`, as Markdown ending in one newline. */
export function describeStorageClasses(factory: StorageClassFactory, options: DescribeOptions): string {
  const classes = factory.names().map((n) => factory.get(n));
  const known = new Set(factory.names());
  const structured = classes.filter(isStructured);
  const plain = classes.filter((sc) => !isStructured(sc));
  const lines = [
    "# Storage classes",
    "",
    `<!-- Generated from ${options.source} by \`${options.command}\`; edit that file, not this one. -->`,
    "",
    "A storage class says what a dataset is made of and how it may be read:",
    "",
    '- **components** are stored parts that can be read on their own: `butler.get("calexp.wcs", dataId)`',
    "  reads only the bytes of the WCS, not the pixels;",
    "- **derived components** are computed from the stored dataset (`calexp.bbox`, a table's `rowcount`),",
    "  usually from a header or footer alone;",
    "- **parameters** change what a read returns (`bbox` for a cutout, `columns` for some columns) and are",
    "  applied while reading, so only the bytes they need are fetched.",
    "",
    "An unknown component or parameter is an error that lists the accepted ones. Classes inherit the",
    "components, derived components and parameters of the class they inherit from, and may override them;",
    "the tables below show each class with its inheritance resolved. *Type here* is the TypeScript type a",
    "dataset of the class holds; *Python type* is what daf_butler holds under the same name.",
    "",
    `Families (each with the classes that inherit from it): ${structured
      .filter((sc) => sc.ancestors.length === 0)
      .map((sc) => link(sc.name, known))
      .join(", ")}.`,
    "",
    `## All storage classes (${classes.length})`,
    "",
    ...table(
      ["storage class", "inherits from", "components", "derived", "parameters", "type here", "Python type"],
      classes.map((sc) => [
        link(sc.name, known),
        sc.ancestors[0] === undefined ? "—" : sc.ancestors[0],
        String(sc.components.size || "—"),
        String(sc.derivedComponents.size || "—"),
        sc.parameters.size === 0 ? "—" : [...sc.parameters].join(", "),
        code(sc.pytype),
        code(sc.pythonType),
      ]),
    ),
    "",
    "## Classes with components or parameters",
    "",
  ];
  for (const sc of structured) lines.push(...section(sc, known, options));
  lines.push("## Other classes", "");
  for (const sc of plain) lines.push(...section(sc, known, options));
  return `${lines.join("\n").replace(/\n+$/, "")}\n`;
}
