/**
 * Typed reading of one YAML mapping of the server configuration: each getter names the setting's
 * dotted path in its error and says what is accepted, and `finish` refuses keys nobody asked for.
 */
import { didYouMean, unknownNameMessage } from "../did-you-mean.ts";
import { ServerConfigError } from "../errors/index.ts";
import { DURATION_FORMS, parseDuration } from "./duration.ts";

export class ConfigSection {
  readonly path: string;
  readonly #values: Readonly<Record<string, unknown>>;
  readonly #allowed: readonly string[];

  constructor(path: string, value: unknown, allowed: readonly string[]) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ServerConfigError(
        path,
        `is ${describe(value)}; accepted: a mapping of ${allowed.join(", ")}`,
      );
    }
    this.path = path;
    this.#values = value as Record<string, unknown>;
    this.#allowed = allowed;
    for (const key of Object.keys(this.#values)) {
      if (!allowed.includes(key)) {
        throw new ServerConfigError(
          this.key(key),
          unknownNameMessage("is not a setting", didYouMean(key, allowed), allowed.join(", ")),
        );
      }
    }
  }

  key(name: string): string {
    return this.path === "" ? name : `${this.path}.${name}`;
  }

  has(name: string): boolean {
    return this.#values[name] !== undefined && this.#values[name] !== null;
  }

  raw(name: string): unknown {
    return this.#values[name];
  }

  section(name: string, allowed: readonly string[]): ConfigSection {
    return new ConfigSection(this.key(name), this.has(name) ? this.#values[name] : {}, allowed);
  }

  string(name: string, required: true): string;
  string(name: string, required?: false): string | undefined;
  string(name: string, required = false): string | undefined {
    const value = this.#values[name];
    if (value === undefined || value === null) {
      if (required) throw new ServerConfigError(this.key(name), "is missing; accepted: a non-empty string");
      return undefined;
    }
    if (typeof value !== "string" || value.trim() === "") {
      throw new ServerConfigError(this.key(name), `is ${describe(value)}; accepted: a non-empty string`);
    }
    return value.trim();
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.string(name) ?? fallback;
    if (!(choices as readonly string[]).includes(value)) {
      throw new ServerConfigError(
        this.key(name),
        `'${value}' is not accepted; accepted: ${choices.join(", ")}`,
      );
    }
    return value as T;
  }

  strings(name: string): string[] | undefined {
    const value = this.#values[name];
    if (value === undefined || value === null) return undefined;
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || !list.every((v) => typeof v === "string" && v.trim() !== "")) {
      throw new ServerConfigError(
        this.key(name),
        `is ${describe(value)}; accepted: a list of non-empty strings`,
      );
    }
    return list.map((v: string) => v.trim());
  }

  /** A positive whole number (`min` 0 allows zero). */
  integer(name: string, fallback: number, min = 1): number {
    const value = this.#values[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
      throw new ServerConfigError(
        this.key(name),
        `is ${describe(value)}; accepted: a whole number of at least ${min}`,
      );
    }
    return value;
  }

  /** A duration in seconds: a number of seconds, or text like 90s, 15m, 1h (`zero` also allows 0). */
  seconds(name: string, fallback: number, zero = false): number {
    const value = this.#values[name];
    if (value === undefined || value === null) return fallback;
    if (zero && (value === 0 || value === "0")) return 0;
    try {
      if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
      if (typeof value === "string") return parseDuration(value);
    } catch {
      // Reported below with the setting's name.
    }
    throw new ServerConfigError(
      this.key(name),
      `is ${describe(value)}; accepted: ${zero ? "0 or " : ""}${DURATION_FORMS}, or a number of seconds`,
    );
  }

  get keys(): string[] {
    return Object.keys(this.#values);
  }

  get allowed(): readonly string[] {
    return this.#allowed;
  }
}

/** A value as an error message shows it. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${JSON.stringify(value)} (${typeof value})`;
}
