/**
 * `guardPlugin(config)`: the server's front door, as one fastify plugin whose hooks apply to every
 * route registered after it. For each request it authenticates (a bearer token of the repository
 * named in the route, the trusted proxy's header, or nobody in open mode), enforces the route's
 * `config.access` against the repository's read and write groups, caps id lists, uploaded rows and
 * concurrent streaming queries, and writes one access-log line when the response ends. The request id
 * and the body size limit are the app's (`genReqId`, `bodyLimit`). Refusals are JSON
 * `{error_type, detail}` with the contract's statuses.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { accessLogEntry, countBytes, stderrSink } from "./access-log.ts";
import { Authenticator } from "./authenticate.ts";
import { refusal } from "./authorize.ts";
import { checkLimits } from "./limits.ts";
import { oversizedPart } from "./request-size.ts";
import { StreamSlots } from "./stream-slots.ts";
import { TokenCache } from "./token-cache.ts";
import { DEFAULT_LIMITS, type GuardConfig, ROUTE_ACCESS, type RouteAccess } from "./types.ts";

interface RouteGuardConfig {
  access?: unknown;
  stream?: unknown;
}

function routeConfig(request: FastifyRequest): RouteGuardConfig {
  return (request.routeOptions.config ?? {}) as RouteGuardConfig;
}

function repositoryOf(request: FastifyRequest): string | undefined {
  const name = (request.params as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : undefined;
}

/** A route's access: as declared; undeclared, "read" when it names a repository, else "public". */
function accessOf(request: FastifyRequest): RouteAccess {
  const declared = routeConfig(request).access;
  if (declared !== undefined) return declared as RouteAccess;
  return repositoryOf(request) === undefined ? "public" : "read";
}

function refuse(reply: FastifyReply, status: number, errorType: string, detail: string): FastifyReply {
  return reply.code(status).type("application/json").send({ error_type: errorType, detail });
}

export function guardPlugin(config: GuardConfig): (app: FastifyInstance) => Promise<void> {
  const limits = checkLimits({ ...DEFAULT_LIMITS, ...config.limits });
  const tokens = new TokenCache(limits.tokenCacheMs);
  const authenticator = new Authenticator(config.auth, tokens, config.tokenStore ?? (() => undefined));
  const slots = new StreamSlots(limits.streamsPerUser, limits.streamsPerProcess);
  const log = config.accessLog === false ? undefined : (config.accessLog ?? stderrSink);

  const plugin = async (app: FastifyInstance): Promise<void> => {
    app.decorateRequest("principal", undefined);
    app.decorateRequest("queryTimeoutMs", 0);

    app.addHook("onRoute", (route: RouteOptions) => {
      const access = (route.config as RouteGuardConfig | undefined)?.access;
      if (access !== undefined && !ROUTE_ACCESS.includes(access as RouteAccess)) {
        throw new TypeError(
          `route ${route.method} ${route.url}: config.access '${String(access)}' is not one of ${ROUTE_ACCESS.join(", ")}`,
        );
      }
    });

    app.addHook("onRequest", async (request, reply) => {
      const startedAt = process.hrtime.bigint();
      request.queryTimeoutMs = limits.queryTimeoutMs;
      const bytes = countBytes(reply);
      let release: (() => void) | undefined;
      // 'close' comes after a finished response and after a client that went away mid-stream alike.
      reply.raw.once("close", () => {
        release?.();
        log?.(JSON.stringify(accessLogEntry(request, reply, startedAt, bytes())));
      });

      const access = accessOf(request);
      if (access !== "public") {
        const repository = repositoryOf(request);
        const rules = repository === undefined ? undefined : config.repositories[repository];
        if (repository === undefined || rules === undefined) {
          return refuse(reply, 404, "NOT_FOUND", `no repository named '${repository ?? ""}' is served here`);
        }
        const who = await authenticator.authenticate(request, repository);
        if (!who.ok) {
          reply.header("WWW-Authenticate", `Bearer realm="butler"`);
          return refuse(reply, 401, "UNAUTHENTICATED", who.detail);
        }
        request.principal = who.principal;
        const denied = authenticator.open ? undefined : refusal(who.principal, rules, access, repository);
        if (denied !== undefined) return refuse(reply, 403, "FORBIDDEN", denied);
      }

      if (routeConfig(request).stream === true) {
        const slot = slots.acquire(request.principal?.user ?? `@${request.socket.remoteAddress ?? ""}`);
        if ("refused" in slot) {
          reply.header("Retry-After", String(limits.retryAfterSeconds));
          return slot.refused === "user"
            ? refuse(
                reply,
                429,
                "TOO_MANY_REQUESTS",
                `user '${request.principal?.user ?? "anonymous"}' already runs ${limits.streamsPerUser} streaming queries, the most one user may; retry when one ends`,
              )
            : refuse(
                reply,
                503,
                "SERVER_BUSY",
                `this server already runs ${limits.streamsPerProcess} streaming queries, the most it takes at once; retry shortly`,
              );
        }
        release = slot.release;
      }
      return undefined;
    });

    app.addHook("preValidation", async (request, reply) => {
      const oversized = oversizedPart(request.body, limits);
      if (oversized !== undefined) return refuse(reply, 422, oversized.code, oversized.message);
      return undefined;
    });
  };
  // fastify-plugin's marker: the hooks and decorations belong to the app, not to a child context.
  Object.assign(plugin, { [Symbol.for("skip-override")]: true });
  return plugin;
}
