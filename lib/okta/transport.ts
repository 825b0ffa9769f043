import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { checkPublicHost, defaultResolve, type Resolve } from "./domain";
import { OktaConnectionError, OktaResponseError } from "./errors";

/**
 * The one place bytes go to Okta. It sends GET, and POST only to Okta's token endpoint (an OAuth
 * service app's token request): nothing else takes a method. It never follows redirects (node's http client does not; the client
 * treats 3xx as an error). Against DNS rebinding, every new connection re-resolves the host and
 * connects to the very addresses it has just checked to be public, so what was validated is what
 * is dialled (no second lookup between check and connect).
 */

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Transport {
  get(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<HttpResponse>;
  /** A form POST to the token endpoint (`tokenPath`; any other path throws before a byte is sent). */
  postForm(
    url: URL,
    headers: Record<string, string>,
    form: URLSearchParams,
    signal: AbortSignal,
  ): Promise<HttpResponse>;
}

/** Okta's org authorization server's token endpoint: the one path the transport POSTs to. */
export const TOKEN_PATH = "/oauth2/v1/token";

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A `lookup` for sockets that refuses hosts with any non-public address. */
function publicOnlyLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    void checkPublicHost(hostname, resolve).then((check) => {
      if (!check.ok) {
        const reason = check.reason === "dns" ? "dns" : "blocked_address";
        callback(new OktaConnectionError(reason, check.message), "", 0);
        return;
      }
      const family = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = check.addresses.filter((a) => !family || a.family === family);
      const first = usable[0];
      if (options.all) callback(null, usable);
      else if (first) callback(null, first.address, first.family);
      else callback(new OktaConnectionError("dns", `${hostname} has no IPv${family} address.`), "", 0);
    });
  };
}

function connectionError(error: unknown, url: URL, timedOut: boolean): OktaConnectionError {
  if (error instanceof OktaConnectionError) return error;
  const code = String((error as NodeJS.ErrnoException)?.code ?? "");
  if (timedOut) return new OktaConnectionError("timeout", `${url.host} did not answer in time.`);
  // EAI_AGAIN (the resolver failed for now) stays a network error, which retries.
  if (/^(ENOTFOUND|EAI_NONAME|EAI_NODATA)$/.test(code)) {
    return new OktaConnectionError("dns", `${url.hostname} could not be found in DNS: check the domain.`);
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|HOSTNAME_MISMATCH/.test(code)) {
    return new OktaConnectionError("tls", `The TLS certificate of ${url.host} is not valid (${code}).`);
  }
  return new OktaConnectionError(
    "network",
    `${url.host} could not be reached (${code || "connection failed"}).`,
  );
}

/**
 * `checkAddresses: false` only for the development origins on localhost, which the domain policy
 * admits solely under OKTA_ALLOW_INSECURE_LOCALHOST=1.
 */
export function createTransport(options: {
  checkAddresses: boolean;
  resolve?: Resolve;
  /** The one path it POSTs to: Okta's token endpoint unless another directory's is given. */
  tokenPath?: string;
}): Transport {
  const tokenPath = options.tokenPath ?? TOKEN_PATH;
  const lookup = options.checkAddresses ? publicOnlyLookup(options.resolve ?? defaultResolve) : undefined;
  const agents = {
    // Idle keep-alive sockets are dropped after `timeout` ms.
    https: new https.Agent({ keepAlive: true, timeout: 15_000, lookup }),
    http: new http.Agent({ keepAlive: true, timeout: 15_000, lookup }),
  };
  const send = (url: URL, options: http.RequestOptions, signal: AbortSignal, body?: string) => {
    const [client, agent] = url.protocol === "https:" ? [https, agents.https] : [http, agents.http];
    return new Promise<HttpResponse>((resolve, reject) => {
      const fail = (error: unknown) => reject(connectionError(error, url, signal.aborted));
      const request = client.request(url, { ...options, agent, signal }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            response.destroy();
            reject(new OktaResponseError("too_large", `${url.host} sent a response larger than 32 MB.`));
          } else chunks.push(chunk);
        });
        response.on("error", fail);
        // An abort mid-body may close the stream without an error: settle the promise anyway.
        response.on("close", () => response.complete || fail(new Error("response cut short")));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      });
      request.on("error", fail);
      request.end(body);
    });
  };
  return {
    get: (url, headers, signal) => send(url, { method: "GET", headers }, signal),
    postForm(url, headers, form, signal) {
      if (url.pathname !== tokenPath) throw new Error(`The transport POSTs only to ${tokenPath}.`);
      const body = form.toString();
      const formHeaders = {
        ...headers,
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": String(Buffer.byteLength(body)),
      };
      return send(url, { method: "POST", headers: formHeaders }, signal, body);
    },
  };
}
