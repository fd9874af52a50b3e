/**
 * `butler config-validate REPO`: checks that the repository opens (config, registry schema, storage
 * classes) and that every registered dataset type has a defined storage class and a configured
 * formatter. Exits with status 1 when anything fails, as daf_butler does.
 */
import type { Command } from "commander";
import { lookupSubject } from "../../datastore/index.ts";
import { ButlerError } from "../../errors/index.ts";
import { splitCommas, withButler } from "../repo-command.ts";

interface Options {
  quiet?: boolean;
  datasetType?: string[];
  ignore?: string[];
}

export function register(program: Command): void {
  program
    .command("config-validate")
    .description("Validate the configuration of a repository against its dataset types.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .option("-q, --quiet", "do not report individual failures")
    .option(
      "-d, --dataset-type <types>",
      "only these dataset types (repeatable or comma-separated)",
      splitCommas,
    )
    .option("-i, --ignore <types>", "dataset types to leave out (repeatable or comma-separated)", splitCommas)
    .action(async (repo: string, options: Options) => {
      const failures = await withButler(repo, {}, async (butler) => {
        const ignore = new Set(options.ignore ?? []);
        const wanted = options.datasetType?.length ? options.datasetType : "*";
        const types = (await butler.registry.queryDatasetTypes(wanted)).filter((t) => !ignore.has(t.name));
        const out: string[] = [];
        for (const type of types) {
          if (!butler.storageClasses.has(type.storageClass)) {
            out.push(`${type.name}: storage class '${type.storageClass}' is not defined`);
            continue;
          }
          try {
            butler.datastore.formatters.lookup(
              lookupSubject(type, butler.storageClasses.get(type.storageClass)),
            );
          } catch (err) {
            out.push(`${type.name}: ${(err as Error).message}`);
          }
        }
        return { out, checked: types.length };
      });
      if (failures.out.length === 0) {
        process.stdout.write(
          `No problems encountered with configuration (${failures.checked} dataset types checked).\n`,
        );
        return;
      }
      if (!options.quiet) for (const line of failures.out) process.stdout.write(`${line}\n`);
      throw new ButlerError(
        "CONFIG_VALIDATION",
        `configuration validation failed for ${failures.out.length} of ${failures.checked} dataset types`,
      );
    });
}
