/**
 * Verified tokens remembered for a short while, so a busy server does not ask the registry on every
 * request. A revocation therefore takes effect within `ttlMs` on every process. Refusals are not
 * remembered: a token created a moment ago works at once.
 */
import type { TokenCheck } from "../../registry/index.ts";
import type { TokenStore } from "./types.ts";

const MAX_ENTRIES = 10_000;

interface Entry {
  readonly check: TokenCheck & { ok: true };
  readonly until: number;
}

export class TokenCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  async verify(repository: string, store: TokenStore, token: string, now = Date.now()): Promise<TokenCheck> {
    const key = `${repository}\n${token}`;
    const cached = this.#entries.get(key);
    if (cached !== undefined) {
      const expiresAt = cached.check.record.expiresAt;
      if (cached.until > now && (expiresAt === null || expiresAt > now)) return cached.check;
      this.#entries.delete(key);
    }
    const check = await store.verify(token);
    if (check.ok && this.#ttlMs > 0) {
      // Dropping everything when full is crude but bounded; a refill costs one lookup per token.
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { check, until: now + this.#ttlMs });
    }
    return check;
  }
}
