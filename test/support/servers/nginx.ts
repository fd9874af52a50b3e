/**
 * A real WebDAV server for tests: Debian's nginx with the dav and dav_ext modules, run as a child
 * process from a configuration written to a temporary directory (prefix, pid, logs and temp paths all
 * inside it) on a free loopback port. When the tests run as root, nginx runs as `nobody`, so it never
 * holds privileges. Its access log records each request's method, URI, Range, If-Match, status and
 * body bytes sent as JSON lines, so tests count requests and bytes on the server's side.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./free-port.ts";

const NGINX_CANDIDATES = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"];
const DAV_EXT_MODULE = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so";

/** Why nginx tests cannot run here, or undefined when they can. */
export function nginxUnavailable(): string | undefined {
  if (nginxBinary() === undefined) {
    return "nginx is not installed (Debian: apt-get install nginx libnginx-mod-http-dav-ext)";
  }
  if (!existsSync(DAV_EXT_MODULE)) {
    return `the WebDAV extension module ${DAV_EXT_MODULE} is missing (Debian: apt-get install libnginx-mod-http-dav-ext)`;
  }
  return undefined;
}

function nginxBinary(): string | undefined {
  return NGINX_CANDIDATES.find((p) => existsSync(p));
}

/** One line of the access log. */
export interface AccessEntry {
  method: string;
  uri: string;
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
  /** The Range header, or "" when none was sent. */
  range: string;
  ifMatch: string;
  destination: string;
  overwrite: string;
  depth: string;
  /** The Authorization header, or "" when none was sent. */
  authorization: string;
}

export interface NginxOptions {
  /**
   * Bearer tokens that `/bearer/`, a view of the same files, accepts (`Authorization: Bearer <token>`);
   * any other request there is answered 401.
   */
  bearerTokens?: string[];
}

const LOG_FORMAT =
  `'{"method":"$request_method","uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,` +
  `"range":"$http_range","ifMatch":"$http_if_match","destination":"$http_destination",` +
  `"overwrite":"$http_overwrite","depth":"$http_depth","authorization":"$http_authorization"}'`;

function config(dir: string, port: number, options: NginxOptions): string {
  const tokens = (options.bearerTokens ?? []).map((t) => `    "Bearer ${t}" 1;`).join("\n");
  const dav = `
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_ext_methods PROPFIND OPTIONS;
      dav_access user:rw group:r all:r;`;
  return `
load_module ${DAV_EXT_MODULE};
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log info;
events { worker_connections 128; }
http {
  default_type application/octet-stream;
  log_format counting escape=json ${LOG_FORMAT};
  access_log ${dir}/logs/access.log counting;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  client_max_body_size 0;
  keepalive_requests 10000;
  map $http_authorization $bearer_ok {
    default 0;
${tokens}
  }
  server {
    listen 127.0.0.1:${port};
    root ${dir}/root;
    location / {${dav}
      create_full_put_path on;
    }
    # The same files from a server that ignores Range and always sends the whole file (200).
    location /norange/ {
      alias ${dir}/root/;
      max_ranges 0;
    }
    # The same files for requests that carry one of the accepted bearer tokens.
    location /bearer/ {
      alias ${dir}/root/;
      if ($bearer_ok = 0) { return 401; }
    }
    # A DAV share that, like most servers, refuses PUTs into missing collections (409).
    location /strict/ {${dav}
      create_full_put_path off;
    }
  }
}
`;
}

/** uid and gid of `nobody` from /etc/passwd, for dropping root. */
function nobody(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("nobody:"));
  const fields = line?.split(":") ?? [];
  return { uid: Number(fields[2] ?? 65534), gid: Number(fields[3] ?? 65534) };
}

export class NginxServer {
  readonly dir: string;
  /** Files under this directory are served at `url`. */
  readonly root: string;
  readonly port: number;
  /** `http://127.0.0.1:port` (no trailing slash). */
  readonly origin: string;
  readonly #child: ChildProcess;
  readonly #owner: { uid: number; gid: number } | undefined;
  #exited = false;
  #logLines = 0;

  private constructor(
    dir: string,
    port: number,
    child: ChildProcess,
    owner: { uid: number; gid: number } | undefined,
  ) {
    this.dir = dir;
    this.root = join(dir, "root");
    this.port = port;
    this.origin = `http://127.0.0.1:${port}`;
    this.#child = child;
    this.#owner = owner;
    child.on("exit", () => {
      this.#exited = true;
    });
  }

  /** Starts nginx on a free port; rejects with nginx's own error output when it cannot start. */
  static async start(options: NginxOptions = {}): Promise<NginxServer> {
    const binary = nginxBinary();
    const unavailable = nginxUnavailable();
    if (binary === undefined || unavailable !== undefined) throw new Error(unavailable);
    let lastError: unknown;
    // The port can be taken between probing and binding; try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await NginxServer.#startOnce(binary, options);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  static async #startOnce(binary: string, options: NginxOptions): Promise<NginxServer> {
    const dir = await mkdtemp(join(tmpdir(), "butler-nginx-"));
    for (const sub of ["root", "root/strict", "logs", "tmp", "conf"]) await mkdir(join(dir, sub));
    const port = await freePort();
    const drop = process.getuid?.() === 0 ? nobody() : undefined;
    await writeFile(join(dir, "conf", "nginx.conf"), config(dir, port, options));
    if (drop !== undefined) {
      for (const sub of ["", "root", "root/strict", "logs", "tmp", "conf", "conf/nginx.conf"]) {
        await chown(join(dir, sub), drop.uid, drop.gid);
      }
    }
    const child = spawn(
      binary,
      ["-p", `${dir}/`, "-e", `${dir}/logs/error.log`, "-c", `${dir}/conf/nginx.conf`],
      {
        stdio: ["ignore", "ignore", "pipe"],
        ...(drop === undefined ? {} : { uid: drop.uid, gid: drop.gid }),
      },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const server = new NginxServer(dir, port, child, drop);
    // Whatever happens to the test process, do not leave nginx behind.
    const kill = () => child.kill("SIGKILL");
    process.once("exit", kill);
    child.once("exit", () => process.removeListener("exit", kill));
    try {
      await waitFor(async () => {
        if (server.#exited) {
          const log = await readFile(join(dir, "logs", "error.log"), "utf8").catch(() => "");
          throw new Error(`nginx exited at start: ${stderr}${log}`);
        }
        return ping(port);
      }, "nginx to listen");
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The URL of a path under the root (`a/b.fits` → `http://127.0.0.1:port/a/b.fits`). */
  url(path = ""): string {
    return `${this.origin}/${path.replace(/^\//, "")}`;
  }

  /** Writes a file under the root directly (not through HTTP), owned by the server's user. */
  async putFile(path: string, bytes: Uint8Array): Promise<string> {
    const full = join(this.root, path);
    const parts = path.split("/").slice(0, -1);
    let dir = this.root;
    for (const part of parts) {
      dir = join(dir, part);
      await mkdir(dir, { recursive: true });
      if (this.#owner !== undefined) await chown(dir, this.#owner.uid, this.#owner.gid);
    }
    await writeFile(full, bytes);
    if (this.#owner !== undefined) await chown(full, this.#owner.uid, this.#owner.gid);
    return full;
  }

  /** Every access log entry so far. */
  async accessLog(): Promise<AccessEntry[]> {
    const text = await readFile(join(this.dir, "logs", "access.log"), "utf8").catch(() => "");
    return (
      text
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as AccessEntry)
        // The readiness probes of start() are the harness's own, however late nginx logs them.
        .filter((e) => e.uri !== READY_PATH)
    );
  }

  /** Forgets the requests so far: `requests()` reports only later ones. */
  async mark(): Promise<void> {
    this.#logLines = (await this.accessLog()).length;
  }

  /**
   * The requests since the last `mark()` (or `requests()`), waiting until at least `atLeast` are
   * logged: nginx writes a line just after it answers, so a client can be a moment ahead of the log.
   * With `wanted`, only the entries it accepts count and are returned (an earlier test's request can
   * reach the log after the mark).
   */
  async requests(atLeast = 0, wanted: (entry: AccessEntry) => boolean = () => true): Promise<AccessEntry[]> {
    let entries: AccessEntry[] = [];
    await waitFor(async () => {
      entries = (await this.accessLog()).slice(this.#logLines).filter(wanted);
      return entries.length >= atLeast;
    }, `${atLeast} nginx access log entries`);
    // A short grace period, so requests beyond those expected show up too.
    await new Promise((r) => setTimeout(r, 30));
    const all = (await this.accessLog()).slice(this.#logLines);
    this.#logLines += all.length;
    return all.filter(wanted);
  }

  async stop(): Promise<void> {
    if (!this.#exited) {
      const exited = new Promise((resolve) => this.#child.once("exit", resolve));
      this.#child.kill("SIGTERM");
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The path start() probes to see that nginx answers; left out of the access log entries. */
const READY_PATH = "/__ready__";

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, method: "OPTIONS", path: READY_PATH, agent: false },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on("error", () => resolve(false));
    req.end();
  });
}
