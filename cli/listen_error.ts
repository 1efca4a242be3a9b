/**
 * Why an address cannot be listened on, as one sentence that names the
 * address and says what to do — for `dim station` and `--check` alike.
 *
 * @module
 */
import { describeFsError } from "../station/ops/health.ts";

/**
 * The station could not listen where it was told to.
 *
 * @example
 * ```ts
 * import { ListenError } from "./listen_error.ts";
 * new ListenError("0.0.0.0:9394 is in use: …").message;
 * ```
 */
export class ListenError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ListenError";
  }
}

/**
 * `host:port`, with brackets around an IPv6 host.
 *
 * @example
 * ```ts
 * import { hostPort } from "./listen_error.ts";
 * hostPort("::1", 9394); // "[::1]:9394"
 * ```
 */
export function hostPort(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * The user this process runs as, for sentences (`uid 998`).
 *
 * @example
 * ```ts
 * import { processUser } from "./listen_error.ts";
 * processUser(); // "uid 0"
 * ```
 */
export function processUser(): string {
  const id = Deno.uid();
  return id === null ? "this user" : `uid ${id}`;
}

/**
 * Whether `hostname` is a loopback name or address (`localhost`,
 * `127.0.0.0/8`, `::1`).
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from "./listen_error.ts";
 * isLoopbackHost("127.0.0.1"); // true
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/**
 * Whether `hostname` is the any-address (`0.0.0.0`, `::`): every interface.
 *
 * @example
 * ```ts
 * import { isAnyAddress } from "./listen_error.ts";
 * isAnyAddress("0.0.0.0"); // true
 * ```
 */
export function isAnyAddress(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
}

/**
 * The warning for a station that listens on every address while it
 * advertises a loopback host (remote clients are told to dial themselves),
 * or `undefined` when that is not the case.
 *
 * @example
 * ```ts
 * import { exposureWarning } from "./listen_error.ts";
 * exposureWarning("0.0.0.0", "127.0.0.1"); // "listening on every address (0.0.0.0) …"
 * ```
 */
export function exposureWarning(
  bind: string,
  advertised: string | undefined,
): string | undefined {
  if (!isAnyAddress(bind) || advertised === undefined) return undefined;
  if (!isLoopbackHost(advertised)) return undefined;
  return `listening on every address (${bind}) while advertising the loopback host ${advertised}: other hosts can connect but are told to dial ${advertised}; set [station] host to the public name, or [station] bind = 127.0.0.1 to stay local`;
}

/**
 * The sentence for a failed `Deno.listen` on `hostname:port`, ending in
 * `fix` (what the operator may change).
 *
 * @example
 * ```ts
 * import { bindFailure } from "./listen_error.ts";
 * bindFailure(new Deno.errors.AddrInUse("os error 98"), "0.0.0.0", 9394, "choose another with --port");
 * // "0.0.0.0:9394 is in use: stop what listens there (a station already running?) or choose another with --port"
 * ```
 */
export function bindFailure(
  error: unknown,
  hostname: string,
  port: number,
  fix: string,
): string {
  const where = hostPort(hostname, port);
  if (error instanceof Deno.errors.AddrInUse) {
    return `${where} is in use: stop what listens there (a station already running?) or ${fix}`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `${where} may not be bound by ${processUser()}: ports below 1024 need CAP_NET_BIND_SERVICE (AmbientCapabilities= in the unit), or ${fix}`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `${hostname} is not an address of this host: ${fix}`;
  }
  return `${where}: ${describeFsError(error)}: ${fix}`;
}
