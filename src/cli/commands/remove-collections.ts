/**
 * `butler remove-collections REPO GLOB…`: removes TAGGED, CHAINED and CALIBRATION collections. RUN
 * collections that match are listed but never removed (that is `remove-runs`, which also removes the
 * datasets), as in daf_butler. Asks before removing unless `--no-confirm`.
 */
import type { Command } from "commander";
import type { Registry } from "../../registry/index.ts";
import { renderTable } from "../output.ts";
import { confirm } from "../prompt.ts";
import { withButler } from "../repo-command.ts";

const NO_NON_RUN_COLLECTIONS = "No non-RUN collections were found.";
export const WILL_REMOVE = "The following collections will be removed:";
const CANNOT_REMOVE_RUNS = "The following RUN collections were found but can NOT be removed by this command:";
const DID_NOT_REMOVE_RUNS = "Found RUN collections but they can NOT be removed by this command:";

export function register(program: Command): void {
  program
    .command("remove-collections")
    .description(
      "Remove one or more non-RUN collections (RUN collections that match are listed, not removed).",
    )
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<collection...>", "names or globs of the collections to remove")
    .option("--confirm", "list what would be removed and ask before removing (the default)")
    .option("--no-confirm", "remove without asking")
    .option(
      "--remove-from-parents",
      "also take the collections out of the CHAINED collections that contain them",
    )
    .action(
      async (repo: string, globs: string[], options: { confirm: boolean; removeFromParents?: boolean }) => {
        await withButler(repo, { writeable: true }, async (butler) => {
          const registry = butler.registry;
          const found = await matching(registry, globs);
          const removable = found.filter((c) => c.type !== "RUN");
          const runs = found.filter((c) => c.type === "RUN");
          const table = renderTable(
            removable.map((c) => ({ collection: c.name, type: c.type })),
            ["collection", "type"],
          );
          const runTable = renderTable(
            runs.map((c) => ({ collection: c.name })),
            ["collection"],
          );
          if (options.confirm !== false) {
            process.stdout.write(
              removable.length > 0 ? `\n${WILL_REMOVE}\n${table}` : `\n${NO_NON_RUN_COLLECTIONS}\n`,
            );
            if (runs.length > 0) process.stdout.write(`\n${CANNOT_REMOVE_RUNS}\n${runTable}\n`);
            if (removable.length === 0) return;
            if (!(await confirm("Continue?"))) {
              process.stdout.write("\nAborted.\n\n");
              return;
            }
          } else if (removable.length === 0) {
            process.stdout.write(`\n${NO_NON_RUN_COLLECTIONS}\n`);
          }
          if (removable.length > 0) {
            await registry.transaction(async () => {
              const names = removable.map((c) => c.name);
              if (options.removeFromParents) await removeFromParents(registry, names);
              for (const name of await removalOrder(registry, names)) await registry.removeCollection(name);
            });
            if (options.confirm !== false) process.stdout.write("\nRemoved collections.\n\n");
            else process.stdout.write(`\nRemoved collections:\n\n${table}`);
          }
          if (options.confirm === false && runs.length > 0) {
            process.stdout.write(`\n${DID_NOT_REMOVE_RUNS}\n${runTable}\n`);
          }
        });
      },
    );
}

/** The collections the expressions match, sorted; an unknown explicit name matches nothing. */
async function matching(
  registry: Registry,
  globs: readonly string[],
): Promise<{ name: string; type: string }[]> {
  const names = new Set<string>();
  for (const glob of globs) {
    try {
      for (const name of await registry.queryCollections(glob, { includeChains: true })) names.add(name);
    } catch (err) {
      if ((err as { code?: string }).code !== "MISSING_COLLECTION") throw err;
    }
  }
  return Promise.all(
    [...names].sort().map(async (name) => ({ name, type: (await registry.getCollectionType(name)).name })),
  );
}

/** Takes the collections out of every chain that holds them, except chains being removed too. */
async function removeFromParents(registry: Registry, names: readonly string[]): Promise<void> {
  for (const name of names) {
    for (const parent of await registry.getCollectionParentChains(name)) {
      if (names.includes(parent)) continue;
      const chain = await registry.getCollectionChain(parent);
      await registry.setCollectionChain(
        parent,
        chain.filter((c) => c !== name),
      );
    }
  }
}

/** Chains before their children, so that a chain being removed does not block removing a child. */
async function removalOrder(registry: Registry, names: readonly string[]): Promise<string[]> {
  const remaining = new Set(names);
  const order: string[] = [];
  while (remaining.size > 0) {
    let next: string | undefined;
    for (const name of remaining) {
      const parents = await registry.getCollectionParentChains(name);
      if (!parents.some((p) => remaining.has(p))) {
        next = name;
        break;
      }
    }
    // A cycle cannot happen; fall back to any name and let the registry explain a refusal.
    next ??= remaining.values().next().value!;
    remaining.delete(next);
    order.push(next);
  }
  return order;
}
