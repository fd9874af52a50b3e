/** What the guard is configured with and what it adds to each request. */
import type { TokenCheck } from "../../registry/index.ts";
import type { RouteAccess } from "../context.ts";

/** Who made a request: the user and the groups that decide what they may read and write. */
export interface Principal {
  readonly user: string;
  readonly groups: readonly string[];
}

export type { RouteAccess };
/** A route's requirement (its `config.access`): "public" needs nothing, "write" implies "read". */
export const ROUTE_ACCESS: readonly RouteAccess[] = ["public", "read", "write"];

/** Anything that checks a bearer token of one repository (a registry's `tokens`). */
export interface TokenStore {
  verify(token: string): Promise<TokenCheck>;
}

/** Who may use one served repository. */
export interface RepositoryAccess {
  /** Groups whose members may read; `*` is any authenticated user (the default). */
  readonly readGroups?: readonly string[];
  /** Groups whose members may write (and read); `*` is any authenticated user. Nobody when absent. */
  readonly writeGroups?: readonly string[];
}

export type AuthConfig =
  /** Bearer tokens from the repository's registry. */
  | { readonly mode: "tokens" }
  /**
   * An authenticating proxy in front sets the user (and groups) headers; they are believed only from
   * these addresses (IPs or CIDR blocks). Bearer tokens still work for requests without the header.
   */
  | {
      readonly mode: "proxy";
      readonly trustedProxies: readonly string[];
      readonly userHeader?: string;
      readonly groupsHeader?: string;
    }
  /** No authentication: everyone is this one local user with every right (`butler ui`). */
  | { readonly mode: "none"; readonly user?: string };

export interface GuardLimits {
  /** Streaming queries one user may run at once (more: 429). */
  readonly streamsPerUser: number;
  /** Streaming queries this process runs at once (more: 503). */
  readonly streamsPerProcess: number;
  /** Retry-After (seconds) on those 429 and 503 answers. */
  readonly retryAfterSeconds: number;
  /** Most dataset ids one request may carry (more: 422 REQUEST_TOO_LARGE). */
  readonly maxIds: number;
  /** Most uploaded rows (data IDs, bound values) one request may carry (more: 422 REQUEST_TOO_LARGE). */
  readonly maxUploadRows: number;
  /** How long a query may run, for the routes that run them (`request.queryTimeoutMs`). */
  readonly queryTimeoutMs: number;
  /** How long a verified token is believed before the registry is asked again. */
  readonly tokenCacheMs: number;
}

export const DEFAULT_LIMITS: GuardLimits = Object.freeze({
  streamsPerUser: 2,
  streamsPerProcess: 25,
  retryAfterSeconds: 5,
  maxIds: 10_000,
  maxUploadRows: 100_000,
  queryTimeoutMs: 120_000,
  tokenCacheMs: 10_000,
});

/** Where access-log lines go: one JSON object per call, without the newline. */
export type AccessLogSink = (line: string) => void;

export interface GuardConfig {
  readonly auth: AuthConfig;
  /** Access rules by repository name; a repository not listed is answered 404. */
  readonly repositories: Readonly<Record<string, RepositoryAccess>>;
  /** The token store of a repository (its registry's `tokens`); none: its tokens are all refused. */
  readonly tokenStore?: (repository: string) => TokenStore | undefined;
  readonly limits?: Partial<GuardLimits>;
  /** Access-log lines go here (stderr by default); false logs nothing. */
  readonly accessLog?: AccessLogSink | false;
}

/** The guard's additions to each request. */
declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated user; undefined on public routes and when no guard is installed. */
    principal?: Principal;
    /** How long a query this request runs may take (ms). */
    queryTimeoutMs: number;
  }
}
