/**
 * The configs shipped with the package (storage classes, the dimension universe), parsed. The build
 * (scripts/build.mjs) stores each one parsed beside its YAML as `<file>.json`, which JSON.parse reads
 * in a fraction of a millisecond where parsing the YAML costs tens: every CLI command pays it at start.
 * Running from the sources there is no such copy and the YAML is parsed.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export function readShippedConfig(path: string): unknown {
  let json: string | undefined;
  try {
    json = readFileSync(`${path}.json`, "utf8");
  } catch {
    // No build copy: running from the sources.
  }
  return json === undefined ? parse(readFileSync(path, "utf8")) : JSON.parse(json);
}
