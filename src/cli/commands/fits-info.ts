/** `butler fits-info FILE`: one row per HDU with its kind, type, shape, compression and offsets. */
import type { Command } from "commander";
import { FileSource } from "../../bytes/file-source.ts";
import { createMetrics, withMetrics } from "../../bytes/with-metrics.ts";
import { FitsFile } from "../../fits/fits-file.ts";
import type { HduInfo } from "../../fits/hdu.ts";
import { STORED_TYPE } from "../../fits/pixels.ts";
import { structureProblems } from "../../fits/structure.ts";
import { timeThis } from "../../log.ts";
import { EXIT_STATUS, setExitStatus } from "../errors.ts";
import { parseFormat, type Row, renderRows } from "../output.ts";

const COLUMNS = [
  "index",
  "name",
  "ver",
  "kind",
  "type",
  "shape",
  "compression",
  "header_offset",
  "data_offset",
  "data_bytes",
];

export function describeRow(hdu: HduInfo): Row {
  const compressed = hdu.compression;
  const isTable = hdu.kind === "bintable" || hdu.kind === "table";
  const shape = compressed?.shape ?? (isTable ? [hdu.naxis[1] ?? 0] : hdu.naxis);
  return {
    index: hdu.index,
    name: hdu.extname ?? (hdu.index === 0 ? "PRIMARY" : ""),
    ver: hdu.extver,
    kind: hdu.kind,
    type: isTable
      ? `${hdu.naxis[0]} B/row`
      : shape.length === 0
        ? ""
        : STORED_TYPE[compressed?.zbitpix ?? hdu.bitpix]!,
    shape: isTable ? `${shape[0]} rows` : shape.length === 0 ? "" : shape.join("x"),
    compression: compressed
      ? `${compressed.algorithm} ${compressed.tile.join("x")}${compressed.quantize ? ` ${compressed.quantize}` : ""}`
      : "",
    header_offset: hdu.headerOffset,
    data_offset: hdu.dataOffset,
    data_bytes: hdu.dataLength,
  };
}

export function register(program: Command): void {
  program
    .command("fits-info")
    .description("List the HDUs of a FITS file: kind, pixel type, shape, compression, byte offsets.")
    .argument("<file>", "FITS file (plain, tile-compressed or gzip-wrapped)")
    .option("--format <format>", "table, json or csv", "table")
    .action(async (file: string, options: { format: string }) => {
      const format = parseFormat(options.format);
      const metrics = createMetrics();
      const fits = await timeThis("fits.scan", `scan ${file}`, async (fields) => {
        const opened = await FitsFile.open(withMetrics(new FileSource(file), metrics), { partial: true });
        Object.assign(fields, { hdus: opened.hdus.length, requests: metrics.requests, bytes: metrics.bytes });
        return opened;
      });
      try {
        process.stdout.write(renderRows(fits.hdus.map(describeRow), COLUMNS, format));
        // A damaged file: list what could be read, say what is wrong and where, exit as a format error.
        const problems = await structureProblems(fits.source, fits.index);
        for (const problem of problems) process.stderr.write(`butler: warning: ${problem.message}\n`);
        if (problems.length > 0) setExitStatus(EXIT_STATUS.FITS_FORMAT);
      } finally {
        await fits.close();
      }
    });
}
