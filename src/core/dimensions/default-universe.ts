import { fileURLToPath } from "node:url";
import { readShippedConfig } from "../config/shipped-config.ts";
import { DimensionUniverse } from "./dimension-universe.ts";

/** Where our default universe config (daf_butler's version 8 content) lives. */
export const DEFAULT_UNIVERSE_PATH = fileURLToPath(new URL("../config/dimensions.yaml", import.meta.url));

let cached: DimensionUniverse | undefined;

/** The default universe, loaded once per process. */
export function defaultUniverse(): DimensionUniverse {
  cached ??= DimensionUniverse.fromConfig(readShippedConfig(DEFAULT_UNIVERSE_PATH));
  return cached;
}
