/**
 * `butler query-collections REPO [GLOB…]`: collections with their types, and CHAINED collections'
 * children (or parents), shown as daf_butler's `--chains` modes.
 */
import type { Command } from "commander";
import type { AnyButler } from "../../client/open.ts";
import { CollectionType } from "../../core/index.ts";

/** The registry of a local or remote butler. */
type Registry = AnyButler["registry"];

import type { OutputFormat, Row } from "../output.ts";
import { addFormatOption, choiceParser, printRows, splitCommas, withAnyButler } from "../repo-command.ts";

const CHAINS_MODES = ["TREE", "TABLE", "INVERSE-TREE", "INVERSE-TABLE", "FLATTEN", "NO-CHILDREN"] as const;
type ChainsMode = (typeof CHAINS_MODES)[number];

interface Options {
  collectionType?: string[];
  chains: ChainsMode;
  format: OutputFormat;
}

function parseTypes(names: readonly string[] | undefined): CollectionType[] | undefined {
  if (names === undefined || names.length === 0) return undefined;
  return names.map((n) => CollectionType.fromName(n));
}

export function register(program: Command): void {
  const command = program
    .command("query-collections")
    .description("Search for collections: their names, types, and the children or parents of chains.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "[glob...]",
      "glob-style expressions that fully or partially identify the collections to return",
    )
    .option(
      "--collection-type <type>",
      "only list collections of this type: RUN, TAGGED, CHAINED or CALIBRATION (repeatable or comma-separated)",
      parseCollectionTypes,
    )
    .option(
      "--chains <mode>",
      "how chains are shown: TREE (children indented below each chain), TABLE (a Children column), " +
        "INVERSE-TREE, INVERSE-TABLE (parents instead of children), FLATTEN (chains replaced by their " +
        "children), NO-CHILDREN (chains listed but not expanded)",
      choiceParser(CHAINS_MODES),
      "TREE",
    );
  addFormatOption(command).action(async (repo: string, globs: string[], options: Options) => {
    const types = parseTypes(options.collectionType);
    const expression = globs.length > 0 ? globs : "*";
    await withAnyButler(repo, {}, async (butler) => {
      const { rows, columns } = await collectionRows(
        butler.registry,
        expression,
        types,
        options.chains,
        options.format,
      );
      printRows(rows, columns, options.format, [], "No collections found.");
    });
  });
}

/** Collects `--collection-type` values, checked here so a typo is a usage error. */
function parseCollectionTypes(value: string, previous: string[] | undefined): string[] {
  const parse = choiceParser(CollectionType.all.map((t) => t.name));
  return [...(previous ?? []), ...splitCommas(value, undefined).map(parse)];
}

async function collectionRows(
  registry: Registry,
  expression: string | string[],
  types: CollectionType[] | undefined,
  mode: ChainsMode,
  format: OutputFormat,
): Promise<{ rows: Row[]; columns: string[] }> {
  const typeOption = types === undefined ? {} : { collectionTypes: types };
  if (mode === "FLATTEN") {
    const names = await registry.queryCollections(expression, { ...typeOption, flattenChains: true });
    return {
      rows: await Promise.all(names.map(async (name) => nameAndType(registry, name))),
      columns: ["name", "type"],
    };
  }
  // Every other mode lists the matching collections themselves, chains included, sorted by name.
  const names = (await registry.queryCollections(expression, { ...typeOption, includeChains: true })).sort();
  const infos = await Promise.all(names.map(async (name) => nameAndType(registry, name)));
  if (mode === "NO-CHILDREN") return { rows: infos, columns: ["name", "type"] };
  if (mode === "TABLE" || mode === "INVERSE-TABLE") {
    const inverse = mode === "INVERSE-TABLE";
    const column = inverse ? "parents" : "children";
    const rows: Row[] = [];
    for (const info of infos) {
      const related = inverse
        ? (await registry.getCollectionParentChains(info.name as string)).sort()
        : info.type === "CHAINED"
          ? await registry.getCollectionChain(info.name as string)
          : [];
      if (related.length === 0) rows.push({ ...info, [column]: "" });
      related.forEach((name, i) => {
        // daf_butler lists one relative per line and names the collection on the first only.
        rows.push(
          i === 0 || format !== "table"
            ? { ...info, [column]: name }
            : { name: "", type: "", [column]: name },
        );
      });
    }
    // As daf_butler, the column is left out when no collection has a relative.
    const any = rows.some((r) => r[column] !== "");
    return { rows, columns: any ? ["name", "type", column] : ["name", "type"] };
  }
  const inverse = mode === "INVERSE-TREE";
  const rows: Row[] = [];
  const visit = async (name: string, type: string, depth: number): Promise<void> => {
    rows.push(format === "table" ? { name: `${"  ".repeat(depth)}${name}`, type } : { name, type, depth });
    const related = inverse
      ? (await registry.getCollectionParentChains(name)).sort()
      : type === "CHAINED"
        ? await registry.getCollectionChain(name)
        : [];
    for (const child of related) {
      await visit(child, (await registry.getCollectionType(child)).name, depth + 1);
    }
  };
  for (const info of infos) await visit(info.name as string, info.type as string, 0);
  return { rows, columns: format === "table" ? ["name", "type"] : ["name", "type", "depth"] };
}

async function nameAndType(registry: Registry, name: string): Promise<Row> {
  return { name, type: (await registry.getCollectionType(name)).name };
}
