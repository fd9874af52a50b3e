/**
 * Parquet tables (ArrowTable, DataFrame): registered so that lookups and records can name it, but not
 * available in this build. Loading it probes for the packages it would need and raises a
 * FormatterUnavailableError naming the missing ones, so a put or get of a table fails at once, before
 * any file is written or read, and says what is missing.
 */
import { FormatterUnavailableError } from "../../errors.ts";
import type { FormatterFactory } from "./formatter.ts";

/** The packages a Parquet formatter needs: a reader and a writer. */
export const PARQUET_PACKAGES: readonly { name: string; role: string }[] = [
  { name: "hyparquet", role: "reading" },
  { name: "apache-arrow", role: "writing" },
];

async function installed(name: string): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript from resolving the optional package at compile time.
    const specifier: string = name;
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

/** The registry's loader: always a FormatterUnavailableError, naming the packages that are missing. */
export async function loadParquetFormatter(): Promise<FormatterFactory> {
  const missing: string[] = [];
  for (const pkg of PARQUET_PACKAGES) {
    if (!(await installed(pkg.name))) missing.push(`${pkg.name} (${pkg.role})`);
  }
  throw new FormatterUnavailableError(
    "ParquetFormatter",
    missing,
    missing.length === 0 ? ": the packages are installed, but butler-ts has no Parquet formatter yet" : "",
  );
}
