import type { TableSpec } from "./table-spec.ts";

/** The access-token table (present in new registries; older ones get it with their first token). */
export const TOKEN_TABLE = "butler_access_token";

const TOKEN_ID_LENGTH = 32;
export const TOKEN_USER_LENGTH = 256;

/**
 * `butler_access_token(token_id, token_hash, user_name, groups, created_at, expires_at, revoked,
 * revoked_at)`: one row per bearer token a server of this repository accepts. Only the SHA-256 of
 * the token's secret is kept (hex), never the token; `groups` is a JSON array of names; times are
 * milliseconds since the Unix epoch (UTC), `expires_at` NULL for a token that never expires.
 */
export function tokenTables(): TableSpec[] {
  return [
    {
      name: TOKEN_TABLE,
      columns: [
        { name: "token_id", type: { kind: "string", length: TOKEN_ID_LENGTH } },
        { name: "token_hash", type: { kind: "string", length: 64 } },
        { name: "user_name", type: { kind: "string", length: TOKEN_USER_LENGTH } },
        { name: "groups", type: { kind: "text" } },
        { name: "created_at", type: { kind: "int64" } },
        { name: "expires_at", type: { kind: "int64" }, nullable: true },
        { name: "revoked", type: { kind: "bool" } },
        { name: "revoked_at", type: { kind: "int64" }, nullable: true },
      ],
      primaryKey: ["token_id"],
    },
  ];
}
