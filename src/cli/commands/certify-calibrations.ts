/**
 * `butler certify-calibrations REPO INPUT_COLLECTION OUTPUT_COLLECTION DATASET_TYPE`: certifies the
 * calibrations of one type found in the input collection into a CALIBRATION collection (registered if new)
 * for a validity range. As in daf_butler, a CHAINED input is searched only in its first child unless
 * `--search-all-inputs`.
 */
import type { Command } from "commander";
import { CollectionType, Timespan } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { timeFromIso } from "../../time/index.ts";
import { withButler } from "../repo-command.ts";

interface Options {
  beginDate?: string;
  endDate?: string;
  searchAllInputs?: boolean;
}

function parseDate(text: string | undefined, option: string): bigint | null {
  if (text === undefined) return null;
  try {
    return timeFromIso(text, "tai");
  } catch (err) {
    throw new InvalidArgumentError(`${option}: ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command("certify-calibrations")
    .description("Certify calibrations in a repository for a validity range.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<input-collection>", "collection to take the calibrations from (usually a RUN or CHAINED one)")
    .argument("<output-collection>", "CALIBRATION collection to certify them into (registered if new)")
    .argument("<dataset-type>", "name of the dataset type to certify")
    .option("--begin-date <time>", "ISO-8601 time (TAI) the validity range starts at; unbounded when absent")
    .option(
      "--end-date <time>",
      "ISO-8601 time (TAI) the validity range ends at (exclusive); unbounded when absent",
    )
    .option("--search-all-inputs", "search every child of a CHAINED input collection, not just the first")
    .action(async (repo: string, input: string, output: string, datasetType: string, options: Options) => {
      const begin = parseDate(options.beginDate, "--begin-date");
      const end = parseDate(options.endDate, "--end-date");
      if (begin !== null && end !== null && begin >= end) {
        throw new InvalidArgumentError("--begin-date must be before --end-date");
      }
      await withButler(repo, { writeable: true }, async (butler) => {
        const registry = butler.registry;
        let collection = input;
        if (
          !options.searchAllInputs &&
          (await registry.getCollectionType(input)) === CollectionType.CHAINED
        ) {
          collection = (await registry.getCollectionChain(input))[0] ?? input;
        }
        const refs = await registry.queryDatasets(datasetType, { collections: [collection] });
        if (refs.length === 0) {
          throw new InvalidArgumentError(`no inputs found for dataset type ${datasetType} in ${collection}`);
        }
        await registry.transaction(async () => {
          await registry.registerCollection(output, CollectionType.CALIBRATION);
          await registry.certify(output, refs, new Timespan(begin, end));
        });
        process.stdout.write(
          `Certified ${refs.length} ${datasetType} dataset${refs.length === 1 ? "" : "s"} into ${output} for ${new Timespan(begin, end)}.\n`,
        );
      });
    });
}
