/** The server's guard: authentication, authorization, limits and access logs as one fastify plugin. */
export { type AccessLogEntry, stderrSink } from "./access-log.ts";
export { DEFAULT_GROUPS_HEADER, DEFAULT_USER_HEADER } from "./authenticate.ts";
export { ANY_USER, mayRead, mayWrite } from "./authorize.ts";
export { guardPlugin } from "./guard-plugin.ts";
export { guardConfigFor } from "./served.ts";
export {
  type AccessLogSink,
  type AuthConfig,
  DEFAULT_LIMITS,
  type GuardConfig,
  type GuardLimits,
  type Principal,
  type RepositoryAccess,
  ROUTE_ACCESS,
  type RouteAccess,
  type TokenStore,
} from "./types.ts";
