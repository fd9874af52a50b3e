/**
 * `butler create REPO`: makes a repository (config file, registry database, datastore root), with
 * daf_butler's options: `--seed-config`, `--dimension-config`, `--standalone`, `--override`, `--outfile`.
 */
import type { Command } from "commander";
import { createRepo } from "../../butler/create.ts";

interface CreateOptions {
  seedConfig?: string;
  dimensionConfig?: string;
  standalone?: boolean;
  override?: boolean;
  outfile?: string;
}

export function register(program: Command): void {
  program
    .command("create")
    .description(
      "Create an empty data repository: butler.yaml, a SQLite registry (gen3.sqlite3) and the datastore root.",
    )
    .argument("<repo>", "directory of the new repository (made if missing)")
    .option("--seed-config <file>", "YAML config whose values seed the new repository's butler.yaml")
    .option("--dimension-config <file>", "YAML dimension universe config to use instead of the default")
    .option("--standalone", "write every default (storage classes included) into the repository config")
    .option(
      "--override",
      "keep the seed config's registry.db and datastore.root instead of the repository's own (e.g. a postgresql:// registry)",
    )
    .option("-f, --outfile <file>", "write the config here instead of REPO/butler.yaml")
    .action(async (repo: string, options: CreateOptions) => {
      const created = await createRepo(repo, {
        ...(options.seedConfig === undefined ? {} : { seedConfig: options.seedConfig }),
        ...(options.dimensionConfig === undefined ? {} : { dimensionConfig: options.dimensionConfig }),
        ...(options.standalone ? { standalone: true } : {}),
        ...(options.override ? { override: true } : {}),
        ...(options.outfile === undefined ? {} : { outfile: options.outfile }),
      });
      process.stdout.write(`Created repository ${created.root} (config: ${created.configFile})\n`);
    });
}
