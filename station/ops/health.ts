/**
 * Health checks for `/health`: named checks that each say what is wrong (a
 * reason) or nothing; the station is healthy when none says anything.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { WriteFailure } from "../../store/mod.ts";

/**
 * One check: resolves to a reason when something is wrong, to nothing when
 * all is well. A check that throws fails with the error's message; one that
 * takes longer than the timeout fails with "timed out".
 */
export type HealthCheck = () =>
  | string
  | undefined
  | void
  | Promise<string | undefined | void>;

/** What one check said. */
export interface HealthResult {
  /** The check's name. */
  readonly name: string;
  /** Whether it passed. */
  readonly ok: boolean;
  /** What is wrong (failed checks only). */
  readonly reason?: string;
}

/** What all checks said. */
export interface HealthReport {
  /** Whether every check passed. */
  readonly ok: boolean;
  /** Each check, in the order they were added. */
  readonly checks: readonly HealthResult[];
}

/** The default bound of one check (ms). */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/**
 * The set of health checks.
 *
 * @example
 * ```ts
 * const listening = true;
 * const health = new HealthChecks();
 * health.add("store", storeWritableCheck(`${Deno.makeTempDirSync()}/dim.db`));
 * health.add("listener", () => listening ? undefined : "station port not bound");
 * const report = await health.run(); // { ok: true, checks: [...] }
 * ```
 */
export class HealthChecks {
  readonly #checks = new Map<string, HealthCheck>();
  readonly #timeoutMs: number;

  /** Creates an empty set; each check is bounded by `timeoutMs`. */
  constructor(options: { readonly timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  }

  /**
   * Adds (or replaces) a named check; returns a function that removes it.
   */
  add(name: string, check: HealthCheck): () => void {
    this.#checks.set(name, check);
    return () => {
      if (this.#checks.get(name) === check) this.#checks.delete(name);
    };
  }

  /**
   * Runs every check at once and collects what they say.
   */
  async run(): Promise<HealthReport> {
    const checks = await Promise.all(
      [...this.#checks].map(([name, check]) => this.#runOne(name, check)),
    );
    return { ok: checks.every((c) => c.ok), checks };
  }

  async #runOne(name: string, check: HealthCheck): Promise<HealthResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("timed out"), this.#timeoutMs);
      });
      const reason = await Promise.race([
        Promise.resolve().then(check),
        timeout,
      ]);
      return typeof reason === "string" && reason !== ""
        ? { name, ok: false, reason }
        : { name, ok: true };
    } catch (error) {
      return {
        name,
        ok: false,
        reason: error instanceof Error ? error.message : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A short reason for a file-system error: `permission denied`, `does not
 * exist`, `read-only file system`, else the error's message.
 *
 * @example
 * ```ts
 * describeFsError(new Deno.errors.PermissionDenied("open")); // "permission denied"
 * ```
 */
export function describeFsError(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotFound) return "does not exist";
  const code = (error as { code?: string }).code;
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOSPC") return "no space left on device";
  return error instanceof Error ? error.message : String(error);
}

/** The probe written by {@link storeWritableCheck}: a page's worth and more. */
const PROBE = new Uint8Array(64 * 1024);

/**
 * A check that the store file can be written now and after a restart: a
 * new file of 64 KiB can be written in its directory (SQLite needs that
 * for its `-wal` and `-shm` files; a full disk fails here), the file and
 * its `-wal` open for writing, and — given the open store — its writes
 * have not been failing since the last commit (a full disk or a size
 * limit).
 */
export function storeWritableCheck(
  path: string,
  db?: { readonly writeFailure: WriteFailure | undefined },
): HealthCheck {
  return async () => {
    const failing = db?.writeFailure;
    if (failing !== undefined) {
      return `store writes failing since ${
        new Date(failing.since).toISOString()
      }: ${failing.error.message}`;
    }
    const directory = dirname(path);
    const probe = join(directory, `.dim-health-${crypto.randomUUID()}`);
    try {
      await Deno.writeFile(probe, PROBE, { createNew: true });
    } catch (error) {
      await Deno.remove(probe).catch(() => {});
      return `store not writable: cannot create files in ${directory}: ${
        describeFsError(error)
      }`;
    }
    await Deno.remove(probe);
    for (const file of [path, `${path}-wal`]) {
      try {
        (await Deno.open(file, { read: true, write: true })).close();
      } catch (error) {
        if (file !== path && error instanceof Deno.errors.NotFound) continue;
        return `store not writable: ${file}: ${describeFsError(error)}`;
      }
    }
    return undefined;
  };
}

/**
 * A check that the station still listens on `hostname:port`: binding the
 * same address must fail as in use (nothing connects, nothing is logged).
 *
 * @example
 * ```ts ignore
 * health.add("listener", listenerCheck(station.hostname, station.port));
 * // failing: "nothing listens on 0.0.0.0:9394"
 * ```
 */
export function listenerCheck(hostname: string, port: number): HealthCheck {
  return () => {
    let probe: Deno.Listener;
    try {
      probe = Deno.listen({ hostname, port, transport: "tcp" });
    } catch (error) {
      return error instanceof Deno.errors.AddrInUse
        ? undefined
        : `cannot check ${hostname}:${port}: ${describeFsError(error)}`;
    }
    probe.close();
    return `nothing listens on ${hostname}:${port}`;
  };
}

/**
 * A check that fails while any of `list()` is not up, naming them (an empty
 * list passes).
 *
 * @example
 * ```ts
 * import { downCheck } from "./health.ts";
 * const check = downCheck("bot", () => [{ id: "assistant@x", up: false }]);
 * check(); // "1 bot(s) down: assistant@x"
 * ```
 */
export function downCheck(
  what: string,
  list: () => readonly { readonly id: string; readonly up: boolean }[],
): HealthCheck {
  return () => {
    const down = list().filter((item) => !item.up).map((item) => item.id);
    return down.length === 0
      ? undefined
      : `${down.length} ${what}(s) down: ${down.join(", ")}`;
  };
}
