/**
 * YAML files for the structured storage classes (StructuredDataDict/List, int, Timespan, PropertyList),
 * through the `yaml` package. Only plain YAML is written and read: no custom tags, no aliases on
 * output, and a document with more than one YAML document in it is refused.
 */
import { parse, stringify } from "yaml";
import type { FormatterOptions } from "./formatter.ts";
import { StructuredFormatter } from "./structured.ts";

export class YamlFormatter extends StructuredFormatter {
  constructor() {
    super("YamlFormatter", ".yaml", {
      stringify: (plain) => stringify(plain, { aliasDuplicateObjects: false, lineWidth: 0 }),
      parse: (text) => parse(text, { uniqueKeys: true }),
    });
  }
}

export function createYamlFormatter(_options: FormatterOptions): YamlFormatter {
  return new YamlFormatter();
}
