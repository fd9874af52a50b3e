/**
 * Who is asking: the local user (no auth), the user an authenticating proxy names in its headers
 * (believed only from the proxy's addresses), or the holder of a bearer token of the repository.
 */
import { BlockList, isIP } from "node:net";
import { userInfo } from "node:os";
import type { FastifyRequest } from "fastify";
import { ServerConfigError } from "../../errors/index.ts";
import type { TokenCache } from "./token-cache.ts";
import type { AuthConfig, Principal, TokenStore } from "./types.ts";

export const DEFAULT_USER_HEADER = "x-auth-request-user";
export const DEFAULT_GROUPS_HEADER = "x-auth-request-groups";

export type Authentication = { ok: true; principal: Principal } | { ok: false; detail: string };

/** Parses trusted proxy addresses (`10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`) into a BlockList. */
export function trustedAddresses(entries: readonly string[], key = "auth.trusted_proxies"): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.trim().split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
    ) {
      throw new ServerConfigError(
        key,
        `'${entry}' is not an IP address or CIDR block; accepted: e.g. 10.0.0.5, 10.0.0.0/8, ::1, fd00::/8`,
      );
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

/** Whether a socket's peer address is in the list (IPv4 peers seen as `::ffff:a.b.c.d` included). */
function isTrusted(list: BlockList, address: string | undefined): boolean {
  if (address === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return list.check(mapped[1]!, "ipv4") || list.check(address, "ipv6");
  return list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function splitGroups(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter((g) => g !== "");
}

const REFUSALS = {
  malformed: "the bearer token is not a butler token",
  unknown: "the bearer token is not known to this repository",
  revoked: "the bearer token was revoked",
  expired: "the bearer token has expired",
} as const;

export class Authenticator {
  readonly #trusted: BlockList | undefined;
  readonly #userHeader: string;
  readonly #groupsHeader: string;
  readonly #localUser: Principal | undefined;
  readonly #tokens: TokenCache;
  readonly #tokenStore: (repository: string) => TokenStore | undefined;

  constructor(
    auth: AuthConfig,
    tokens: TokenCache,
    tokenStore: (repository: string) => TokenStore | undefined,
  ) {
    this.#tokens = tokens;
    this.#tokenStore = tokenStore;
    this.#trusted = auth.mode === "proxy" ? trustedAddresses(auth.trustedProxies) : undefined;
    this.#userHeader =
      (auth.mode === "proxy" ? auth.userHeader : undefined)?.toLowerCase() ?? DEFAULT_USER_HEADER;
    this.#groupsHeader =
      (auth.mode === "proxy" ? auth.groupsHeader : undefined)?.toLowerCase() ?? DEFAULT_GROUPS_HEADER;
    this.#localUser = auth.mode === "none" ? { user: auth.user ?? safeUserName(), groups: [] } : undefined;
  }

  /** Whether everyone is the local user with every right. */
  get open(): boolean {
    return this.#localUser !== undefined;
  }

  async authenticate(request: FastifyRequest, repository: string): Promise<Authentication> {
    if (this.#localUser !== undefined) return { ok: true, principal: this.#localUser };
    const proxyUser = headerValue(request, this.#userHeader);
    if (this.#trusted !== undefined && proxyUser !== undefined) {
      // A user header from anywhere but the proxy is someone claiming to be someone else.
      if (!isTrusted(this.#trusted, request.socket.remoteAddress)) {
        return { ok: false, detail: `${this.#userHeader} is accepted only from the authenticating proxy` };
      }
      const user = proxyUser.trim();
      if (user === "") return { ok: false, detail: `${this.#userHeader} is empty` };
      return { ok: true, principal: { user, groups: splitGroups(headerValue(request, this.#groupsHeader)) } };
    }
    const authorization = headerValue(request, "authorization");
    if (authorization === undefined) {
      return {
        ok: false,
        detail:
          this.#trusted === undefined
            ? "no bearer token; send 'Authorization: Bearer TOKEN' (make one with 'butler token create')"
            : "no user from the authenticating proxy and no bearer token",
      };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) return { ok: false, detail: "the Authorization header is not 'Bearer TOKEN'" };
    const store = this.#tokenStore(repository);
    if (store === undefined) return { ok: false, detail: REFUSALS.unknown };
    const check = await this.#tokens.verify(repository, store, match[1]!);
    if (!check.ok) return { ok: false, detail: REFUSALS[check.reason] };
    return { ok: true, principal: { user: check.record.user, groups: check.record.groups } };
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return "local";
  }
}
