/**
 * `butler get REPO DATASET_TYPE[.COMPONENT] --data-id k=v …`: reads one dataset, a component or a
 * cutout. Images (Exposure, MaskedImage, Image, Mask) are written as FITS to `--output`; everything else
 * (metadata, visitInfo, wcs, bbox, photoCalib, psf …) is printed as text, or JSON with `--format json`.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { AnyButler } from "../../client/open.ts";
import { CollectionType, type Timespan } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { Header } from "../../fits/header.ts";
import { writeFits } from "../../fits/writer.ts";
import type { Box2I } from "../../image/box.ts";
import { parseBoxCorners } from "../../image/box-text.ts";
import { imageHdus } from "../../image/image-hdus.ts";
import { BIND_HELP, collectBind, splitCommas, WHERE_HELP, whereOf, withAnyButler } from "../repo-command.ts";
import { parseTimespanOption } from "../timespan-option.ts";

interface Options {
  collections?: string[];
  dataId: Record<string, string | number>;
  where?: string;
  bind?: Record<string, unknown>;
  bbox?: Box2I;
  timespan?: Timespan;
  parameter: Record<string, unknown>;
  output?: string;
  format: "text" | "json";
}

/** `k=v`: numbers become numbers, everything else stays a string. */
function keyValue(value: string, previous: Record<string, unknown>): Record<string, string | number> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got '${value}'`);
  const raw = value.slice(at + 1);
  const number = Number(raw);
  return {
    ...previous,
    [value.slice(0, at)]: raw !== "" && Number.isFinite(number) ? number : raw,
  } as Record<string, string | number>;
}

export function register(program: Command): void {
  program
    .command("get")
    .description("Read a dataset, a component or a cutout; write images as FITS, print everything else.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "<dataset-type>",
      "dataset type, with an optional component: calexp, calexp.wcs, calexp.metadata",
    )
    .option(
      "--collections <collections>",
      "collections to search, in order (names; repeatable or comma-separated); required",
      splitCommas,
    )
    .option(
      "--data-id <key=value>",
      "a data ID value (repeatable): --data-id visit=903334 --data-id detector=16",
      keyValue,
      {},
    )
    .option(
      "--where <expression>",
      `find the dataset with a query instead (it must match exactly one); ${WHERE_HELP}`,
    )
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option(
      "--bbox <x0,y0,x1,y1>",
      "cut out this box: inclusive corners in PARENT pixel coordinates",
      (value: string) => parseBoxCorners(value),
    )
    .option("--parameter <key=value>", "any read parameter of the storage class (repeatable)", keyValue, {})
    .option(
      "--timespan <begin/end>",
      "the validity time of a calibration lookup (default: the time of the exposure or visit the data ID names)",
      parseTimespanOption,
    )
    .option("--output <file>", "where to write an image (FITS)")
    .option("--format <format>", "how to print a non-image result: text or json", "text")
    .action(async (repo: string, datasetType: string, options: Options) => {
      if (options.format !== "text" && options.format !== "json") {
        throw new InvalidArgumentError(`--format must be text or json, got '${options.format}'`);
      }
      await withAnyButler(repo, {}, async (butler) => {
        const parameters: Record<string, unknown> = { ...options.parameter };
        // The same box convention as --bbox, so either spelling cuts out the same pixels.
        if (typeof parameters.bbox === "string")
          parameters.bbox = parseBoxCorners(parameters.bbox, "--parameter bbox");
        if (options.bbox !== undefined) parameters.bbox = options.bbox;
        const collections = options.collections ?? [...butler.collections];
        if (collections.length === 0) throw await missingCollections(butler);
        const getOptions = {
          ...(collections.length > 0 ? { collections } : {}),
          ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
          ...(options.timespan === undefined ? {} : { timespan: options.timespan }),
        };
        let value: unknown;
        if (options.where !== undefined) {
          const [parent, component] = datasetType.split(".", 2) as [string, string | undefined];
          const refs = await butler.registry.queryDatasets(parent, {
            collections,
            findFirst: true,
            ...whereOf(options),
            dataId: options.dataId,
          });
          if (refs.length !== 1) {
            throw new InvalidArgumentError(
              `--where must match exactly one ${parent} dataset; it matched ${refs.length}`,
            );
          }
          const ref = component === undefined ? refs[0]! : butler.componentRef(refs[0]!, component);
          value = await butler.get(ref, null, getOptions);
        } else {
          value = await butler.get(datasetType, options.dataId, getOptions);
        }
        await emit(value, options);
      });
    });
}

/** `get` searches named collections in order; the repository's chains are the usual answer. */
async function missingCollections(butler: AnyButler): Promise<InvalidArgumentError> {
  const chains = await butler.registry.queryCollections("*", { collectionTypes: CollectionType.CHAINED });
  return new InvalidArgumentError(
    "get needs --collections: the collections to search, in order" +
      (chains.length > 0 ? `; this repository's chains: ${chains.join(", ")}` : ""),
  );
}

async function emit(value: unknown, options: Options): Promise<void> {
  const image = await imageHdus(value);
  if (image !== undefined) {
    if (options.output === undefined) {
      throw new InvalidArgumentError("the result is an image; give --output FILE to write it as FITS");
    }
    await writeFits(options.output, image);
    process.stdout.write(`wrote ${options.output}\n`);
    return;
  }
  const text =
    options.format === "json"
      ? JSON.stringify(
          value instanceof Header
            ? Object.fromEntries([...value].filter((c) => c.key !== "").map((c) => [c.key, c.value]))
            : value,
          jsonValue,
          2,
        )
      : value instanceof Header
        ? [...value].map((c) => `${c.key} = ${String(c.value)}`).join("\n")
        : typeof value === "object" && value !== null && value.toString !== Object.prototype.toString
          ? String(value)
          : JSON.stringify(value, jsonValue, 2);
  if (options.output !== undefined) await writeFile(options.output, `${text}\n`);
  else process.stdout.write(`${text}\n`);
}

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
