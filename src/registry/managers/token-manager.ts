/**
 * Bearer tokens for the servers of this repository (see `schema/token-tables.ts`). A token is
 * `butler_<id>_<secret>`: the id finds the row, the secret (32 random bytes, base64url) is checked
 * against the stored SHA-256 in constant time. Only the hash is stored, so a copy of the database
 * gives no working token. Every server process of a repository reads the same rows.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { sql } from "kysely";
import { InvalidArgumentError, ReadOnlyRegistryError, TokenNotFoundError } from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { createTable } from "../schema/table-spec.ts";
import { TOKEN_TABLE, TOKEN_USER_LENGTH, tokenTables } from "../schema/token-tables.ts";
import { toBool, toNumber } from "../sql-values.ts";

const TOKEN_PREFIX = "butler_";
const TOKEN_PATTERN = /^butler_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[^\s,]+$/;

/** What a token grants, as stored (never the token itself). */
export interface TokenRecord {
  readonly id: string;
  readonly user: string;
  readonly groups: readonly string[];
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revoked: boolean;
  readonly revokedAt: number | null;
}

export interface CreateTokenOptions {
  readonly user: string;
  readonly groups?: readonly string[];
  /** When the token stops working (ms since the epoch); never when absent or null. */
  readonly expiresAt?: number | null;
}

/** Why a presented token was refused, for the 401's detail. */
export type TokenRefusal = "malformed" | "unknown" | "revoked" | "expired";

export type TokenCheck = { ok: true; record: TokenRecord } | { ok: false; reason: TokenRefusal };

interface TokenRow {
  token_id: string;
  token_hash: string;
  user_name: string;
  groups: string;
  created_at: unknown;
  expires_at: unknown;
  revoked: unknown;
  revoked_at: unknown;
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function recordOf(row: TokenRow): TokenRecord {
  return {
    id: row.token_id,
    user: row.user_name,
    groups: JSON.parse(row.groups) as string[],
    createdAt: toNumber(row.created_at),
    expiresAt: row.expires_at === null ? null : toNumber(row.expires_at),
    revoked: toBool(row.revoked),
    revokedAt: row.revoked_at === null ? null : toNumber(row.revoked_at),
  };
}

function checkName(kind: string, name: string, maxLength: number): void {
  if (!NAME_PATTERN.test(name) || name.length > maxLength) {
    throw new InvalidArgumentError(
      `${kind} '${name}' is not accepted: a non-empty name of at most ${maxLength} characters without spaces or commas`,
    );
  }
}

export class TokenManager {
  readonly #database: RegistryDatabase;
  readonly #writeable: boolean;
  /** Set once the table is known to exist; a registry made before tokens has none until the first. */
  #tableExists = false;

  constructor(database: RegistryDatabase, writeable: boolean) {
    this.#database = database;
    this.#writeable = writeable;
  }

  async #hasTable(): Promise<boolean> {
    if (!this.#tableExists) this.#tableExists = await this.#database.dialect.hasTable(TOKEN_TABLE);
    return this.#tableExists;
  }

  async #ensureTable(): Promise<void> {
    if (await this.#hasTable()) return;
    for (const table of tokenTables()) {
      await createTable(this.#database.db, this.#database.dialect, table, { ifNotExists: true });
    }
    this.#tableExists = true;
  }

  #requireWriteable(operation: string): void {
    if (!this.#writeable) throw new ReadOnlyRegistryError(operation);
  }

  /** Makes a token; the returned `token` is the only copy of it anywhere. */
  async create(
    options: CreateTokenOptions,
    now = Date.now(),
  ): Promise<{ token: string; record: TokenRecord }> {
    this.#requireWriteable("creating an access token");
    checkName("user", options.user, TOKEN_USER_LENGTH);
    const groups = [...new Set(options.groups ?? [])];
    for (const group of groups) checkName("group", group, TOKEN_USER_LENGTH);
    const expiresAt = options.expiresAt ?? null;
    if (expiresAt !== null && !(Number.isSafeInteger(expiresAt) && expiresAt > now)) {
      throw new InvalidArgumentError(
        `a token's expiry must be in the future, got ${new Date(expiresAt).toISOString()}`,
      );
    }
    await this.#ensureTable();
    const id = randomBytes(8).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    const record: TokenRecord = {
      id,
      user: options.user,
      groups,
      createdAt: now,
      expiresAt,
      revoked: false,
      revokedAt: null,
    };
    await this.#database.insert(TOKEN_TABLE, [
      {
        token_id: id,
        token_hash: hashSecret(secret),
        user_name: record.user,
        groups: JSON.stringify(groups),
        created_at: now,
        expires_at: expiresAt,
        revoked: false,
        revoked_at: null,
      },
    ]);
    return { token: `${TOKEN_PREFIX}${id}_${secret}`, record };
  }

  /** Every token's record, oldest first (revoked and expired ones included). */
  async list(): Promise<TokenRecord[]> {
    if (!(await this.#hasTable())) return [];
    const rows = await this.#database.rows<TokenRow>(
      sql`SELECT * FROM ${sql.table(TOKEN_TABLE)} ORDER BY created_at, token_id`,
    );
    return rows.map(recordOf);
  }

  /** Revokes a token by id (again is fine); returns its record. */
  async revoke(id: string, now = Date.now()): Promise<TokenRecord> {
    this.#requireWriteable("revoking an access token");
    const row = await this.#row(id);
    if (row === undefined) throw new TokenNotFoundError(id);
    if (!toBool(row.revoked)) {
      await this.#database.rows(
        sql`UPDATE ${sql.table(TOKEN_TABLE)} SET revoked = ${true}, revoked_at = ${now} WHERE token_id = ${id}`,
      );
      return { ...recordOf(row), revoked: true, revokedAt: now };
    }
    return recordOf(row);
  }

  /** Checks a presented token: its record when it is known, unrevoked and unexpired at `now`. */
  async verify(token: string, now = Date.now()): Promise<TokenCheck> {
    const match = TOKEN_PATTERN.exec(token);
    if (match === null) return { ok: false, reason: "malformed" };
    const row = await this.#row(match[1]!);
    // Hash even for an unknown id, so the answer takes as long either way.
    const presented = Buffer.from(hashSecret(match[2]!), "hex");
    const stored = Buffer.from(row?.token_hash ?? "0".repeat(64), "hex");
    if (row === undefined || !timingSafeEqual(presented, stored)) return { ok: false, reason: "unknown" };
    const record = recordOf(row);
    if (record.revoked) return { ok: false, reason: "revoked" };
    if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, reason: "expired" };
    return { ok: true, record };
  }

  async #row(id: string): Promise<TokenRow | undefined> {
    if (!(await this.#hasTable())) return undefined;
    const rows = await this.#database.rows<TokenRow>(
      sql`SELECT * FROM ${sql.table(TOKEN_TABLE)} WHERE token_id = ${id}`,
    );
    return rows[0];
  }
}
