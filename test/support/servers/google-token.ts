/**
 * A stand-in for Google's two token sources, on a loopback port: the OAuth token endpoint a
 * service-account key file names (`token_uri`), which checks the key's signed JWT assertion against
 * the public key, and the compute metadata server (`GCE_METADATA_HOST`), which requires the
 * `Metadata-Flavor: Google` header. Tokens are `<kind>-token-<n>` in issue order; each lives
 * `expiresIn` seconds. `serviceAccountKey()` makes a real key file (a fresh RSA key) for the endpoint.
 */
import { generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";

export const SERVICE_ACCOUNT = "butler-test@butler-project.iam.gserviceaccount.com";

/** One token request, as the server judged it. */
export interface TokenRequest {
  source: "oauth" | "metadata";
  /** The token issued, or the reason none was. */
  token?: string;
  refused?: string;
  /** Claims of a service-account assertion. */
  claims?: Record<string, unknown>;
}

export class GoogleTokenServer {
  readonly #server: Server;
  readonly #publicKey: KeyObject;
  readonly privateKeyPem: string;
  readonly requests: TokenRequest[] = [];
  /** Lifetime of the next tokens, in seconds. */
  expiresIn = 3600;
  /** Answer token requests with this status instead (a failing token server). */
  failWith: number | undefined;
  #issued = { oauth: 0, metadata: 0 };
  port = 0;

  private constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    this.#publicKey = publicKey;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<GoogleTokenServer> {
    const server = new GoogleTokenServer();
    await new Promise<void>((resolve) => server.#server.listen(0, "127.0.0.1", resolve));
    const address = server.#server.address();
    server.port = typeof address === "object" && address !== null ? address.port : 0;
    return server;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `host:port`, as `GCE_METADATA_HOST` takes it. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Forgets the requests so far and issues from `<kind>-token-1` again, valid an hour. */
  reset(): void {
    this.requests.length = 0;
    this.#issued = { oauth: 0, metadata: 0 };
    this.expiresIn = 3600;
    this.failWith = undefined;
  }

  /** Writes a service-account key file whose token endpoint is this server; returns its path. */
  serviceAccountKey(dir: string): string {
    const file = join(dir, "service-account.json");
    const key = {
      type: "service_account",
      project_id: "butler-project",
      private_key_id: "0123456789abcdef0123456789abcdef01234567",
      private_key: this.privateKeyPem,
      client_email: SERVICE_ACCOUNT,
      client_id: "100000000000000000001",
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: `${this.origin}/token`,
    };
    writeFileSync(file, JSON.stringify(key, null, 2));
    return file;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? "/", this.origin);
    if (req.method === "POST" && url.pathname === "/token") return this.#oauth(body, res);
    if (url.pathname.startsWith("/computeMetadata/v1/")) return this.#metadata(req, url, res);
    send(res, 404, { error: "not_found" });
  }

  #oauth(body: string, res: ServerResponse): void {
    const [status, json] = this.#grant(new URLSearchParams(body));
    send(res, status, json);
  }

  /** Judges a JWT-bearer grant: the status and body of the answer. */
  #grant(form: URLSearchParams): [number, unknown] {
    const refuse = (reason: string): [number, unknown] => {
      this.requests.push({ source: "oauth", refused: reason });
      return [400, { error: "invalid_grant", error_description: reason }];
    };
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return refuse("wrong grant type");
    }
    const [header, payload, signature] = (form.get("assertion") ?? "").split(".");
    if (header === undefined || payload === undefined || signature === undefined) {
      return refuse("not a JWT");
    }
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, "base64url"),
    );
    if (!signed) return refuse("bad signature");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    if (claims.iss !== SERVICE_ACCOUNT) return refuse(`unknown issuer ${String(claims.iss)}`);
    if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return refuse("expired assertion");
    if (this.failWith !== undefined) {
      this.requests.push({ source: "oauth", refused: `answered ${this.failWith}` });
      return [this.failWith, { error: "unavailable" }];
    }
    const token = `sa-token-${++this.#issued.oauth}`;
    this.requests.push({ source: "oauth", token, claims });
    return [200, { access_token: token, expires_in: this.expiresIn, token_type: "Bearer" }];
  }

  #metadata(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (req.headers["metadata-flavor"] !== "Google") {
      send(res, 403, { error: "Missing Metadata-Flavor: Google header" });
      return;
    }
    const path = url.pathname.slice("/computeMetadata/v1/".length);
    if (path === "instance" || path === "instance/") sendText(res, 200, "attributes/\n");
    else if (path === "instance/service-accounts/default/email") sendText(res, 200, SERVICE_ACCOUNT);
    else if (path !== "instance/service-accounts/default/token") sendText(res, 404, "not found");
    else if (this.failWith !== undefined) send(res, this.failWith, { error: "unavailable" });
    else {
      const token = `md-token-${++this.#issued.metadata}`;
      this.requests.push({ source: "metadata", token });
      send(res, 200, { access_token: token, expires_in: this.expiresIn, token_type: "Bearer" });
    }
  }
}

function send(res: ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "metadata-flavor": "Google",
  });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "application/text",
    "content-length": Buffer.byteLength(text),
    "metadata-flavor": "Google",
  });
  res.end(text);
}
