/**
 * `butler collection-chain REPO PARENT [CHILDREN…]`: defines or changes a CHAINED collection, with
 * daf_butler's modes: redefine (the default), extend, prepend, remove, pop (children are indices there;
 * negative ones count from the end and need `--` before them). Prints the chain afterwards.
 */
import type { Command } from "commander";
import { CollectionType } from "../../core/index.ts";
import { InvalidArgumentError, isButlerError } from "../../errors/index.ts";
import type { Registry } from "../../registry/index.ts";
import { choiceParser, splitCommas, withButler } from "../repo-command.ts";

const MODES = ["redefine", "extend", "remove", "prepend", "pop"] as const;
type Mode = (typeof MODES)[number];

interface Options {
  mode: Mode;
  flatten?: boolean;
  doc?: string;
}

export function register(program: Command): void {
  program
    .command("collection-chain")
    .description("Define a collection chain, or change one.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<parent>", "the CHAINED collection to create or change")
    .argument(
      "[children...]",
      "collections to use (comma-separated values are split); with --mode pop, indices (default 0)",
    )
    .option(
      "--mode <mode>",
      "redefine: make the chain exactly CHILDREN; extend/prepend: add CHILDREN at the end/front; " +
        "remove: take CHILDREN out; pop: take out the children at these indices",
      choiceParser(MODES),
      "redefine",
    )
    .option(
      "--flatten",
      "replace CHAINED children by their own children, recursively (redefine, extend, prepend)",
    )
    .option("--no-flatten", "keep CHAINED children as they are (the default)")
    .option("--doc <text>", "documentation of the chain, used only when it is created")
    .action(async (repo: string, parent: string, given: string[], options: Options) => {
      const children = given.flatMap((c) => splitCommas(c, undefined));
      const mode = options.mode;
      if (children.length === 0 && mode !== "pop") {
        throw new InvalidArgumentError(
          `must provide children when defining a collection chain in mode ${mode}`,
        );
      }
      if (options.flatten && mode !== "redefine" && mode !== "extend" && mode !== "prepend") {
        throw new InvalidArgumentError(`--flatten is not allowed with --mode ${mode}`);
      }
      await withButler(repo, { writeable: true }, async (butler) => {
        const registry = butler.registry;
        const chain = await registry.transaction(async () => {
          await ensureChain(registry, parent, mode, options.doc);
          const wanted = options.flatten
            ? await registry.queryCollections(children, { flattenChains: true })
            : children;
          const current = await registry.getCollectionChain(parent);
          await registry.setCollectionChain(parent, newChain(parent, current, wanted, mode));
          return registry.getCollectionChain(parent);
        });
        process.stdout.write(`[${chain.join(", ")}]\n`);
      });
    });
}

/** Registers the chain when it does not exist and the mode can start from an empty chain. */
async function ensureChain(
  registry: Registry,
  parent: string,
  mode: Mode,
  doc: string | undefined,
): Promise<void> {
  try {
    await registry.getCollectionType(parent);
  } catch (err) {
    if (!isButlerError(err, "MISSING_COLLECTION")) throw err;
    if (mode === "remove" || mode === "pop") {
      throw new InvalidArgumentError(
        `mode '${mode}' requires that the collection exists but collection '${parent}' is not known to this registry`,
      );
    }
    await registry.registerCollection(parent, CollectionType.CHAINED, doc === "" ? null : (doc ?? null));
  }
}

function newChain(
  parent: string,
  current: readonly string[],
  children: readonly string[],
  mode: Mode,
): string[] {
  switch (mode) {
    case "redefine":
      return [...children];
    case "extend":
      return [...current.filter((c) => !children.includes(c)), ...children];
    case "prepend":
      return [...children, ...current.filter((c) => !children.includes(c))];
    case "remove":
      return current.filter((c) => !children.includes(c));
    case "pop": {
      const indices = (children.length > 0 ? children : ["0"]).map((text) => {
        if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(`--mode pop takes indices, not '${text}'`);
        const index = Number(text);
        const resolved = index < 0 ? current.length + index : index;
        if (resolved < 0 || resolved >= current.length) {
          throw new InvalidArgumentError(
            `index ${index} is out of range: parent collection ${parent} has ${current.length} children`,
          );
        }
        return resolved;
      });
      return current.filter((_, i) => !indices.includes(i));
    }
  }
}
