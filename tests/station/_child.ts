/**
 * The real `dim` CLI as a child process for the station tests: started
 * with its arguments, ready once it logged "listening on", stopped by
 * signal (by its pid).
 *
 * @module
 */

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/** A running `dim station`. */
export interface StationChild {
  readonly process: Deno.ChildProcess;
  /** The address it logged. */
  readonly host: string;
  /** The port it logged. */
  readonly port: number;
  /** The station ID it logged. */
  readonly id: string;
  /** stderr so far. */
  readonly log: () => string;
  /** Resolves when stderr ended. */
  readonly draining: Promise<void>;
}

/**
 * Runs `dim <args>` (args include `station`) and resolves once it logged
 * its "listening on" line; throws with its stderr when it exits first.
 */
export async function startStation(
  args: readonly string[],
  env: Record<string, string> = {},
  denoFlags: readonly string[] = [],
): Promise<StationChild> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...denoFlags, MAIN, ...args],
    // no self warm-up unless `env` asks for one
    env: { NO_COLOR: "1", DIM_STATION_SELF_WARMUP: "0", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let seen = "";
  const reader = process.stderr.pipeThrough(new TextDecoderStream())
    .getReader();
  const deadline = Date.now() + 30_000;
  let match: RegExpExecArray | null = null;
  while (match === null && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    match = /dim station (\S+) listening on (\S+):(\d+)/.exec(seen);
  }
  const draining = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      seen += value;
    }
  })();
  if (match === null) {
    try {
      process.kill("SIGKILL");
    } catch {
      // it exited by itself
    }
    await process.status;
    await draining;
    throw new Error(`dim station did not start: ${seen}`);
  }
  return {
    process,
    host: match[2],
    port: Number(match[3]),
    id: match[1],
    log: () => seen,
    draining,
  };
}

/**
 * The arguments `<globals> --data-dir <dataDir> station --host 127.0.0.1
 * --port 0 <flags>`: a station on a free loopback port.
 */
export function localStationArgs(
  dataDir: string,
  flags: readonly string[] = [],
  globals: readonly string[] = [],
): string[] {
  return [
    ...globals,
    "--data-dir",
    dataDir,
    "station",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    ...flags,
  ];
}

/**
 * Runs `dim` with {@link localStationArgs} (and `env`): a station on a free
 * loopback port.
 */
export function startLocalStation(
  dataDir: string,
  flags: readonly string[] = [],
  globals: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<StationChild> {
  return startStation(localStationArgs(dataDir, flags, globals), env);
}

/** Sends `signal` and waits for the exit. */
export async function stopStation(
  child: StationChild,
  signal: Deno.Signal,
): Promise<Deno.CommandStatus> {
  child.process.kill(signal);
  const status = await child.process.status;
  await child.draining;
  return status;
}
