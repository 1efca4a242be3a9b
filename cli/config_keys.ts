/**
 * Every section and key `dim` reads from its config, with the default as
 * `etc/dim.ini` writes it and whether SIGHUP applies a change; the keys of
 * the Python station's `config.ini` that `dim` leaves alone; and the
 * nearest known key to a mistyped one ("did you mean").
 *
 * @module
 */
import type { IniDocument } from "./ini.ts";

/** One key `dim` reads. */
export interface ConfigKey {
  /** The default as written in `etc/dim.ini` (`undefined`: none). */
  readonly default?: string;
  /** SIGHUP applies a change (otherwise a restart is needed). */
  readonly reloads?: boolean;
}

const RESTART: ConfigKey = {};
const RELOADS: ConfigKey = { reloads: true };

/**
 * The known sections and their keys; `"any"`: every key is a name
 * (`[ans]`).
 *
 * @example
 * ```ts
 * import { CONFIG_KEYS } from "./config_keys.ts";
 * CONFIG_KEYS.station; // { id: …, host: { default: "127.0.0.1" }, … }
 * ```
 */
export const CONFIG_KEYS: Readonly<
  Record<string, Readonly<Record<string, ConfigKey>> | "any">
> = {
  database: {
    root: { default: "$STATE_DIRECTORY, else ~/.local/share/dim" },
    path: { default: "<root>/dim.db" },
  },
  station: {
    id: RESTART,
    host: { default: "127.0.0.1" },
    port: { default: "9394" },
    bind: { default: "0.0.0.0 (127.0.0.1 on the run that makes the identity)" },
    name: RESTART,
    check_sender: { default: "true" },
    broadcast_to_users: { default: "true" },
    verify_routed: { default: "false" },
    offline_retention: { default: "7d" },
    offline_cap: { default: "20480" },
    max_frame: { default: "1M" },
    idle_timeout: { default: "128s" },
    handshake_timeout: { default: "16s" },
    max_connections: { default: "10000" },
    max_sessions_per_ip: { default: "64" },
    exempt_loopback: { default: "true" },
    message_rate: { default: "100" },
    message_burst: { default: "1000" },
    byte_rate: { default: "1M" },
    byte_burst: { default: "8M" },
    login_timeout: { default: "60s" },
    shutdown_timeout: { default: "10s" },
    signers: { default: "1" },
    decrypters: { default: "auto" },
    handshake_threads: { default: "0" },
    crypto_engine: { default: "auto" },
    ecdsa_engine: { default: "auto" },
    gc_after_storm: { default: "5s" },
    gc_after_storm_growth: { default: "32M" },
    with_bots: { default: "false" },
    self_warmup: { default: "10000" },
    preload_users: { default: "10000" },
  },
  neighbors: { stations: RELOADS, source: RELOADS, output: RELOADS },
  ans: "any",
  admin: { listen: { default: "0 (off)" }, token: RESTART },
  log: {
    level: { default: "info", reloads: true },
    format: { default: "text" },
  },
};

/**
 * Keys of the Python station's `config.ini`, in sections `dim` reads, that
 * `dim` leaves alone on purpose (a warning, never an error), and why.
 *
 * @example
 * ```ts
 * import { PYTHON_ONLY_KEYS } from "./config_keys.ts";
 * PYTHON_ONLY_KEYS["admin.supervisors"]; // "…"
 * ```
 */
export const PYTHON_ONLY_KEYS: Readonly<Record<string, string>> = {
  "database.public": "dim keeps everything in one SQLite file",
  "database.protected": "dim keeps everything in one SQLite file",
  "database.private": "dim keeps everything in one SQLite file",
  "admin.supervisors":
    "the Python station's supervisors have no role in dim (dim's controls are the admin listener and the dim commands)",
};

/**
 * The keys `dim` reads whose value differs between two readings of the
 * config and that SIGHUP does not apply, one sentence each
 * (`[station] port changed from 9394 to 9395`).
 *
 * @example
 * ```ts
 * import { parseIni } from "./ini.ts";
 * import { restartChanges } from "./config_keys.ts";
 * restartChanges(parseIni("[station]\nport = 1\n", "a"), parseIni("[station]\nport = 2\n", "b"));
 * // ["[station] port changed from 1 to 2"]
 * ```
 */
export function restartChanges(
  before: IniDocument,
  after: IniDocument,
): string[] {
  const changes: string[] = [];
  for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
    if (keys === "any") continue;
    for (const [key, about] of Object.entries(keys)) {
      if (about.reloads) continue;
      const old = before.get(section)?.get(key)?.value ?? "";
      const now = after.get(section)?.get(key)?.value ?? "";
      if (old === now) continue;
      const show = (value: string) => value === "" ? "(unset)" : value;
      changes.push(
        `[${section}] ${key} changed from ${show(old)} to ${show(now)}`,
      );
    }
  }
  return changes;
}

/** Levenshtein distance, capped early above `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j] + 1,
        row[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * The known key nearest to `word` (at most a third of its letters wrong,
 * or the same letters in another order), or `undefined`.
 *
 * @example
 * ```ts
 * import { didYouMean } from "./config_keys.ts";
 * didYouMean("prot", ["host", "port"]); // "port"
 * didYouMean("levle", ["level", "format"]); // "level"
 * ```
 */
export function didYouMean(
  word: string,
  known: readonly string[],
): string | undefined {
  const sorted = (s: string) => [...s].sort().join("");
  const max = Math.max(1, Math.floor(word.length / 3));
  let best: { key: string; cost: number } | undefined;
  for (const key of known) {
    const cost = sorted(key) === sorted(word) ? 1 : distance(word, key, max);
    if (cost <= max && (best === undefined || cost < best.cost)) {
      best = { key, cost };
    }
  }
  return best?.key;
}
