/**
 * JSON files for the structured storage classes (StructuredDataDict/List, int, Timespan, PropertyList).
 * Written pretty-printed with a trailing newline; read whole (there is nothing to read partially).
 */
import type { FormatterOptions } from "./formatter.ts";
import { StructuredFormatter } from "./structured.ts";

export class JsonFormatter extends StructuredFormatter {
  constructor() {
    super("JsonFormatter", ".json", {
      stringify: (plain) => `${JSON.stringify(plain, null, 2)}\n`,
      parse: (text) => JSON.parse(text),
    });
  }
}

export function createJsonFormatter(_options: FormatterOptions): JsonFormatter {
  return new JsonFormatter();
}
