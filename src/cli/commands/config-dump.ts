/**
 * `butler config-dump REPO [--subset KEY]`: the repository's configuration (butler.yaml as written, with
 * its `<butlerRoot>` tokens) as YAML, or one part of it: `--subset .datastore.root` (a leading
 * non-alphanumeric character is the key separator, as in daf_butler) or `--subset datastore.root`.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { stringify } from "yaml";
import { readRepoConfig } from "../../butler/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";

export function register(program: Command): void {
  program
    .command("config-dump")
    .description("Dump either a subset or the full butler configuration to standard output.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .option("-s, --subset <key>", "only this part of the configuration, e.g. .datastore.root or registry")
    .option("--file <file>", "write the configuration to this file instead of standard output")
    .action(async (repo: string, options: { subset?: string; file?: string }) => {
      const config = await readRepoConfig(repo);
      const value = options.subset === undefined ? config.raw : subsetOf(config.raw, options.subset);
      const text = typeof value === "object" && value !== null ? stringify(value) : `${String(value)}\n`;
      if (options.file === undefined) process.stdout.write(text);
      else await writeFile(options.file, text);
    });
}

function subsetOf(root: unknown, subset: string): unknown {
  const separator = /^[A-Za-z0-9_]/.test(subset) ? "." : subset[0]!;
  const keys = subset.split(separator).filter((k) => k !== "");
  let value = root;
  const path: string[] = [];
  for (const key of keys) {
    const node = value as Record<string, unknown> | null;
    if (node === null || typeof node !== "object" || !(key in node)) {
      const at = path.length > 0 ? path.join(".") : "the top level";
      const accepted =
        node !== null && typeof node === "object" ? Object.keys(node).join(", ") : "none (not a mapping)";
      throw new InvalidArgumentError(`no key '${key}' at ${at} of the configuration; accepted: ${accepted}`);
    }
    value = node[key];
    path.push(key);
  }
  return value;
}
