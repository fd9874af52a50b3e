/**
 * `butler fits-header FILE [--hdu N|NAME] [--compressed]`: the cards of one header as text (80-column
 * images) or JSON; a tile-compressed HDU shows its image's header unless `--compressed`.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { Card } from "../../fits/card.ts";
import { FitsFile, type HduSelector } from "../../fits/fits-file.ts";
import { formatCard } from "../../fits/header-format.ts";
import { imageHeaderOf } from "../../fits/image-header.ts";

export function parseHduSelector(value: string): HduSelector {
  if (/^\d+$/.test(value)) return Number(value);
  const match = /^([^,]+),(\d+)$/.exec(value);
  return match ? { name: match[1]!, version: Number(match[2]) } : value;
}

function jsonValue(card: Card): unknown {
  const value = card.value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value ?? null;
}

export function register(program: Command): void {
  program
    .command("fits-header")
    .description("Print one header of a FITS file.")
    .argument("<file>", "FITS file")
    .option("--hdu <hdu>", "HDU index (0 = primary), EXTNAME, or EXTNAME,EXTVER", "0")
    .option("--format <format>", "text or json", "text")
    .option("--compressed", "for a tile-compressed image, the binary table's header instead of the image's")
    .action(async (file: string, options: { hdu: string; format: string; compressed?: boolean }) => {
      const format = options.format.toLowerCase();
      if (format !== "text" && format !== "json") {
        throw new InvalidArgumentError(`unknown format '${options.format}'; accepted: text, json`);
      }
      const fits = await FitsFile.open(file);
      try {
        const selector = parseHduSelector(options.hdu);
        const stored = fits.header(selector);
        // As astropy's fitsheader shows it: the image a compressed HDU holds, unless asked for the table.
        const header =
          fits.hdu(selector).kind === "compressed_image" && options.compressed !== true
            ? imageHeaderOf(stored)
            : stored;
        if (format === "json") {
          const cards = header.cards.map((card) => ({
            key: card.key,
            type: card.type,
            value: card.type === "commentary" ? undefined : jsonValue(card),
            comment: card.comment,
          }));
          process.stdout.write(`${JSON.stringify(cards, null, 2)}\n`);
        } else {
          const lines = header.cards.flatMap((card) => formatCard(card).map((image) => image.trimEnd()));
          process.stdout.write(`${[...lines, "END"].join("\n")}\n`);
        }
      } finally {
        await fits.close();
      }
    });
}
