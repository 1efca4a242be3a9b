/**
 * The neighbour station list (station.md §2.4): `host:port` items from the
 * command line and the config, and the `stations.json` format —
 * `{"name", "ID", "founder", "owner", "stations": [...]}` or a bare array,
 * each item with `host`, `port` and an ID under `did` or `ID` (or `id`, the
 * spelling of the shipped file, which the reference loader ignores — §12.2;
 * we read it). Items without host and port are dropped; this station is
 * left out (same ID, or same host and port).
 *
 * The list is read from `[neighbors] source` (an `http(s)://` URL fetched
 * with a timeout, or a file) and copied to `[neighbors] output`; when the
 * source cannot be read, the copy is read instead (§2.4 step 1).
 *
 * @module
 */
import { type ID, tryParseId } from "../dimp/identity/mod.ts";
import { StationError } from "./errors.ts";

/**
 * Where a neighbour station listens, and its ID when the list names one
 * (a hint: the ID the neighbour proves in its handshake is the one kept).
 */
export interface NeighbourAddress {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port (1..65535). */
  readonly port: number;
  /** The ID the list gives, if any. */
  readonly id?: ID;
}

/**
 * A neighbour list that cannot be used: not `host:port`, not JSON, not a
 * list of stations, or a source that cannot be read.
 */
export class NeighbourListError extends StationError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NeighbourListError";
  }
}

/**
 * How long a download of the station list may take (ms).
 *
 * @example
 * ```ts
 * NEIGHBOUR_FETCH_TIMEOUT; // 10000
 * ```
 */
export const NEIGHBOUR_FETCH_TIMEOUT = 10_000;

/**
 * Reads `host:port` (`[::1]:9394` for IPv6).
 *
 * @throws {NeighbourListError} not `host:port` with a port 1..65535
 * @example
 * ```ts
 * parseNeighbourAddress("10.0.0.2:9394"); // { host: "10.0.0.2", port: 9394 }
 * ```
 */
export function parseNeighbourAddress(text: string): NeighbourAddress {
  const match = /^\s*(?:\[([^\]]+)\]|([^\s:\[\]]+)):(\d{1,5})\s*$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new NeighbourListError(
      `a neighbour must be host:port with a port 1..65535, not "${text}"`,
    );
  }
  return { host: match[1] ?? match[2], port };
}

/**
 * Reads a comma-separated list of `host:port`.
 *
 * @throws {NeighbourListError} an item is not `host:port`
 * @example
 * ```ts
 * parseNeighbourList("10.0.0.2:9394, 10.0.0.3:9394").length; // 2
 * ```
 */
export function parseNeighbourList(text: string): NeighbourAddress[] {
  return text.split(",").map((item) => item.trim()).filter((item) =>
    item !== ""
  ).map(parseNeighbourAddress);
}

/**
 * Reads a `stations.json` (its text, or the parsed value): the stations
 * with a host and a port, each once; an ID from `did`, `ID` or `id`.
 *
 * @throws {NeighbourListError} not JSON, or neither an object with a
 *   `stations` array nor an array
 * @example
 * ```ts
 * parseStationList('{"stations":[{"host":"10.0.0.2","port":9394}]}');
 * // [{ host: "10.0.0.2", port: 9394 }]
 * ```
 */
export function parseStationList(
  input: string | unknown,
  origin = "the station list",
): NeighbourAddress[] {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new NeighbourListError(`${origin}: not JSON`, { cause: error });
    }
  }
  if (isRecord(value)) value = value.stations;
  if (!Array.isArray(value)) {
    throw new NeighbourListError(
      `${origin}: neither {"stations": [...]} nor an array`,
    );
  }
  const found: NeighbourAddress[] = [];
  for (const item of value) {
    if (!isRecord(item)) continue;
    const { host, port } = item;
    if (typeof host !== "string" || host.trim() === "") continue;
    if (!Number.isInteger(port) || (port as number) < 1) continue;
    if ((port as number) > 65535) continue;
    const id = tryParseId(item.did) ?? tryParseId(item.ID) ??
      tryParseId(item.id);
    found.push({
      host: host.trim(),
      port: port as number,
      ...(id === undefined || id.isBroadcast ? {} : { id }),
    });
  }
  return unique(found);
}

/** This station, as a list may name it. */
export interface SelfAddress {
  /** Its ID. */
  readonly id: ID;
  /** The hosts it is known by (advertised, bound). */
  readonly hosts: readonly string[];
  /** The ports it is known by (advertised, bound). */
  readonly ports: readonly number[];
}

const ANY_ADDRESS = ["0.0.0.0", "::", "[::]"];
const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/**
 * Leaves this station out of a list (§2.4 step 2): the same ID, or one of
 * its hosts with one of its ports — a station bound to every address is
 * also its loopback address. Duplicates (same host and port) go too.
 *
 * @example
 * ```ts ignore
 * withoutSelf(list, { id: station.id, hosts: ["127.0.0.1"], ports: [9394] });
 * ```
 */
export function withoutSelf(
  list: readonly NeighbourAddress[],
  self: SelfAddress,
): NeighbourAddress[] {
  const hosts = new Set(self.hosts);
  if (self.hosts.some((host) => ANY_ADDRESS.includes(host))) {
    for (const host of LOOPBACK) hosts.add(host);
  }
  return unique(list).filter((item) =>
    item.id?.equals(self.id) !== true &&
    !(hosts.has(item.host) && self.ports.includes(item.port))
  );
}

/** Where the station list comes from. */
export interface StationListSource {
  /** `[neighbors] source`: an `http(s)://` URL or a file. */
  readonly source?: string;
  /** `[neighbors] output`: the local copy, read when the source fails. */
  readonly output?: string;
  /** How long a download may take (ms; default {@link NEIGHBOUR_FETCH_TIMEOUT}). */
  readonly timeout?: number;
  /**
   * Told what went wrong but did not stop the list: the source failed and
   * the copy is read instead, or the copy could not be written.
   */
  readonly onWarning?: (error: Error) => void;
}

/**
 * Reads the station list (§2.4 step 1): from `source`, copying its text to
 * `output`; when the source fails, from `output`. `[]` when neither is
 * set.
 *
 * @throws {NeighbourListError} neither could be read
 * @example
 * ```ts ignore
 * const list = await loadStationList({ source: "https://example.net/stations.json", output: "/var/lib/dim/stations.json" });
 * ```
 */
export async function loadStationList(
  options: StationListSource,
): Promise<NeighbourAddress[]> {
  const { source, output } = options;
  if (source !== undefined) {
    let text: string | undefined;
    let list: NeighbourAddress[] | undefined;
    try {
      text = await readSource(source, options.timeout);
      list = parseStationList(text, source);
    } catch (error) {
      const failure = asListError(error, source);
      if (output === undefined) throw failure;
      options.onWarning?.(failure);
    }
    if (list !== undefined) {
      if (output !== undefined) {
        try {
          await writeCopy(output, text!);
        } catch (error) {
          options.onWarning?.(asListError(error, output, "write"));
        }
      }
      return list;
    }
  }
  if (output === undefined) return [];
  let copy: string;
  try {
    copy = await Deno.readTextFile(output);
  } catch (error) {
    throw asListError(error, output);
  }
  return parseStationList(copy, output);
}

function asListError(
  error: unknown,
  where: string,
  what = "read",
): NeighbourListError {
  if (error instanceof NeighbourListError) return error;
  return new NeighbourListError(
    `cannot ${what} the station list ${where}: ${(error as Error).message}`,
    { cause: error },
  );
}

async function readSource(source: string, timeout?: number): Promise<string> {
  if (!/^https?:\/\//i.test(source)) {
    return await Deno.readTextFile(
      source.startsWith("file:") ? new URL(source) : source,
    );
  }
  const response = await fetch(source, {
    signal: AbortSignal.timeout(timeout ?? NEIGHBOUR_FETCH_TIMEOUT),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new NeighbourListError(
      `cannot read the station list ${source}: HTTP ${response.status}`,
    );
  }
  return text;
}

/** Writes the copy whole or not at all (a temp file renamed over it). */
async function writeCopy(path: string, text: string): Promise<void> {
  const temp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temp, text);
  await Deno.rename(temp, path);
}

function unique(list: readonly NeighbourAddress[]): NeighbourAddress[] {
  const seen = new Set<string>();
  return list.filter((item) => {
    const key = `${item.host}:${item.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
