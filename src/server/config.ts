/**
 * `loadServerConfig(file)`: the server configuration (`server.yaml`, format in docs/SERVER.md) as the
 * app's options (without the opened butlers) and the guard's configuration. Every setting is checked
 * here, so a typo fails at start-up with a ServerConfigError naming the setting and what it accepts.
 */
import { createWriteStream, readFileSync, type WriteStream } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { REPO_NAME_PATTERN } from "../client/protocol.ts";
import { ServerConfigError } from "../errors/index.ts";
import { ConfigSection, describe } from "./config-reader.ts";
import { trustedAddresses } from "./guard/authenticate.ts";
import { checkLimits, LIMIT_KEYS } from "./guard/limits.ts";
import {
  type AccessLogSink,
  type AuthConfig,
  DEFAULT_LIMITS,
  type GuardConfig,
  type GuardLimits,
  type RepositoryAccess,
} from "./guard/types.ts";
import { MIN_SIGNING_KEY_BYTES } from "./signing.ts";

export const SIGNING_KEY_ENV = "BUTLER_SERVER_SIGNING_KEY";
export { MIN_SIGNING_KEY_BYTES };

/** Largest request body by default: 10,000 ids or a large upload of data IDs fit with room. */
const DEFAULT_BODY_BYTES = 16 * 1024 * 1024;

/** One repository to serve, before it is opened. */
export interface ConfiguredRepository extends RepositoryAccess {
  readonly name: string;
  /** The repository's location as `Butler.open` takes it (relative paths made absolute). */
  readonly uri: string;
}

/** The app's options from the file; the caller opens each repository's butler. */
export interface ServerAppSettings {
  readonly repositories: readonly ConfiguredRepository[];
  readonly signingKey: Uint8Array;
  readonly urlExpirySeconds: number;
  readonly publicUrl?: string;
  readonly host?: string;
  readonly port?: number;
  readonly bodyLimit: number;
  readonly keepAliveMs: number;
  readonly pageRows: number;
  readonly maxIds: number;
}

export interface ServerConfig {
  readonly app: ServerAppSettings;
  /**
   * The guard's settings. Once the butlers are open, `guardConfigFor(servedRepositories, guard)` adds
   * their tokens (and takes the groups from the served list, made from `app.repositories`).
   */
  readonly guard: GuardConfig;
}

const TOP_KEYS = [
  "repositories",
  "auth",
  "limits",
  "signing_key_file",
  "url_expiry",
  "public_url",
  "host",
  "port",
  "keep_alive",
  "page_rows",
  "access_log",
] as const;
const REPOSITORY_KEYS = ["uri", "read_groups", "write_groups"] as const;
const AUTH_KEYS = ["mode", "trusted_proxies", "user_header", "groups_header", "user"] as const;
const AUTH_MODES = ["tokens", "proxy", "none"] as const;

/** Reads and checks a server configuration file; `env` supplies BUTLER_SERVER_SIGNING_KEY. */
export function loadServerConfig(file: string, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ServerConfigError(file, `cannot be read (${(err as Error).message})`, { cause: err });
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (err) {
    throw new ServerConfigError(file, `is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  return parseServerConfig(document, { baseDir: dirname(resolve(file)), env });
}

/** The checks of `loadServerConfig` on an already parsed document; relative paths resolve against `baseDir`. */
export function parseServerConfig(
  document: unknown,
  options: { baseDir: string; env?: NodeJS.ProcessEnv },
): ServerConfig {
  const env = options.env ?? process.env;
  const top = new ConfigSection("", document ?? {}, TOP_KEYS);
  const repositories = readRepositories(top, options.baseDir);
  const auth = readAuth(top.section("auth", AUTH_KEYS));
  const limitsSection = top.section("limits", [
    ...Object.values(LIMIT_KEYS).map((k) => k.slice(7)),
    "body_bytes",
  ]);
  const limits = readLimits(limitsSection);
  const port = top.has("port") ? top.integer("port", 0, 0) : undefined;
  if (port !== undefined && port > 65535) {
    throw new ServerConfigError("port", `${port} is not accepted; accepted: 0 to 65535`);
  }
  const publicUrl = top.string("public_url");
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new ServerConfigError("public_url", `'${publicUrl}' is not accepted; accepted: an http(s):// URL`);
  }
  const host = top.string("host");
  const app: ServerAppSettings = {
    repositories,
    signingKey: readSigningKey(top, options.baseDir, env),
    urlExpirySeconds: top.seconds("url_expiry", 3600),
    ...(publicUrl === undefined ? {} : { publicUrl: publicUrl.replace(/\/+$/, "") }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    bodyLimit: limitsSection.integer("body_bytes", DEFAULT_BODY_BYTES),
    keepAliveMs: top.seconds("keep_alive", 15) * 1000,
    pageRows: top.integer("page_rows", 2000),
    maxIds: limits.maxIds,
  };
  const accessLog = readAccessLog(top, options.baseDir);
  const guard: GuardConfig = {
    auth,
    repositories: Object.fromEntries(
      repositories.map((r) => [
        r.name,
        {
          ...(r.readGroups === undefined ? {} : { readGroups: r.readGroups }),
          ...(r.writeGroups === undefined ? {} : { writeGroups: r.writeGroups }),
        },
      ]),
    ),
    limits,
    ...(accessLog === undefined ? {} : { accessLog }),
  };
  return { app, guard };
}

function readRepositories(top: ConfigSection, baseDir: string): ConfiguredRepository[] {
  const raw = top.raw("repositories");
  if (
    raw === undefined ||
    raw === null ||
    typeof raw !== "object" ||
    Array.isArray(raw) ||
    Object.keys(raw).length === 0
  ) {
    throw new ServerConfigError(
      "repositories",
      `is ${describe(raw)}; accepted: a mapping of repository names to {uri, read_groups, write_groups}`,
    );
  }
  return Object.keys(raw).map((name) => {
    if (!REPO_NAME_PATTERN.test(name)) {
      throw new ServerConfigError(
        `repositories.${name}`,
        "is not an accepted repository name; accepted: letters, digits, '_', '.' and '-'",
      );
    }
    const section = top.section("repositories", Object.keys(raw)).section(name, REPOSITORY_KEYS);
    const uri = section.string("uri", true);
    const readGroups = section.strings("read_groups");
    const writeGroups = section.strings("write_groups");
    return {
      name,
      uri: /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri) || isAbsolute(uri) ? uri : resolve(baseDir, uri),
      ...(readGroups === undefined ? {} : { readGroups }),
      ...(writeGroups === undefined ? {} : { writeGroups }),
    };
  });
}

function readAuth(section: ConfigSection): AuthConfig {
  const mode = section.choice("mode", AUTH_MODES, "tokens");
  const onlyFor = (key: string, modeName: string) => {
    if (section.has(key) && mode !== modeName) {
      throw new ServerConfigError(
        section.key(key),
        `is a setting of mode ${modeName}, but auth.mode is ${mode}`,
      );
    }
  };
  onlyFor("trusted_proxies", "proxy");
  onlyFor("user_header", "proxy");
  onlyFor("groups_header", "proxy");
  onlyFor("user", "none");
  if (mode === "tokens") return { mode };
  if (mode === "none") {
    const user = section.string("user");
    return user === undefined ? { mode } : { mode, user };
  }
  const trustedProxies = section.strings("trusted_proxies");
  if (trustedProxies === undefined || trustedProxies.length === 0) {
    throw new ServerConfigError(
      section.key("trusted_proxies"),
      "is missing; mode proxy needs the proxy's addresses (IPs or CIDR blocks, e.g. 10.0.0.0/8)",
    );
  }
  trustedAddresses(trustedProxies, section.key("trusted_proxies"));
  const userHeader = section.string("user_header");
  const groupsHeader = section.string("groups_header");
  return {
    mode,
    trustedProxies,
    ...(userHeader === undefined ? {} : { userHeader }),
    ...(groupsHeader === undefined ? {} : { groupsHeader }),
  };
}

function readLimits(section: ConfigSection): GuardLimits {
  const name = (key: keyof GuardLimits) => LIMIT_KEYS[key].slice("limits.".length);
  const d = DEFAULT_LIMITS;
  return checkLimits({
    streamsPerUser: section.integer(name("streamsPerUser"), d.streamsPerUser),
    streamsPerProcess: section.integer(name("streamsPerProcess"), d.streamsPerProcess),
    retryAfterSeconds: section.seconds(name("retryAfterSeconds"), d.retryAfterSeconds),
    maxIds: section.integer(name("maxIds"), d.maxIds),
    maxUploadRows: section.integer(name("maxUploadRows"), d.maxUploadRows),
    queryTimeoutMs: section.seconds(name("queryTimeoutMs"), d.queryTimeoutMs / 1000) * 1000,
    tokenCacheMs: section.seconds(name("tokenCacheMs"), d.tokenCacheMs / 1000, true) * 1000,
  });
}

/** The HMAC key: from `signing_key_file` (hex), else BUTLER_SERVER_SIGNING_KEY (hex). */
function readSigningKey(top: ConfigSection, baseDir: string, env: NodeJS.ProcessEnv): Uint8Array {
  const file = top.string("signing_key_file");
  const how = `make one with: openssl rand -hex ${MIN_SIGNING_KEY_BYTES} > signing.key`;
  if (file === undefined) {
    const value = env[SIGNING_KEY_ENV];
    if (value === undefined || value.trim() === "") {
      throw new ServerConfigError(
        "signing_key_file",
        `is missing and ${SIGNING_KEY_ENV} is not set; every server process of a repository needs the same key (${how})`,
      );
    }
    return hexKey(value, SIGNING_KEY_ENV, how);
  }
  let text: string;
  try {
    text = readFileSync(resolve(baseDir, file), "utf8");
  } catch (err) {
    throw new ServerConfigError("signing_key_file", `${file} cannot be read (${(err as Error).message})`, {
      cause: err,
    });
  }
  return hexKey(text, "signing_key_file", how);
}

function hexKey(text: string, key: string, how: string): Uint8Array {
  const hex = text.trim();
  if (!/^([0-9a-fA-F]{2})+$/.test(hex) || hex.length < 2 * MIN_SIGNING_KEY_BYTES) {
    throw new ServerConfigError(
      key,
      `the key is not accepted; accepted: at least ${MIN_SIGNING_KEY_BYTES} bytes written as hex digits (${how})`,
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** `access_log`: stderr (the default), stdout, off, or a file appended to (opened on the first line). */
function readAccessLog(top: ConfigSection, baseDir: string): AccessLogSink | false | undefined {
  const value = top.string("access_log");
  if (value === undefined || value === "stderr") return undefined;
  if (value === "off") return false;
  if (value === "stdout") return (line) => process.stdout.write(`${line}\n`);
  const path = resolve(baseDir, value);
  let stream: WriteStream | undefined;
  return (line) => {
    if (stream === undefined) {
      stream = createWriteStream(path, { flags: "a" });
      // A log that cannot be written must not take the server down; say so once.
      let reported = false;
      stream.on("error", (err) => {
        if (!reported) process.stderr.write(`butler serve: access log ${path}: ${err.message}\n`);
        reported = true;
      });
    }
    stream.write(`${line}\n`);
  };
}
