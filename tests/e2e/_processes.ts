/**
 * Real `dim` processes for the end-to-end tests: `dim client` children
 * whose output is read while they run, and a `dim station` child on a free
 * loopback port (started and stopped by tests/station/_child.ts). Every
 * child is stopped (by its own handle) when disposed.
 *
 * @module
 */

import {
  startLocalStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

/**
 * The environment of a child: nothing of the caller's `DIM_*`; a station
 * skips its self warm-up.
 */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {
    NO_COLOR: "1",
    DIM_STATION_SELF_WARMUP: "0",
  };
  for (const name of ["HOME", "PATH", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** A running `dim` child with its output collected as it comes. */
export class DimProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  readonly status: Promise<Deno.CommandStatus>;
  readonly #reading: Promise<void>[];
  #watchers: { test: () => boolean; wake: () => void }[] = [];

  constructor(args: readonly string[], stdin?: string) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, ...args],
      clearEnv: true,
      env: childEnv(),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = this.child.stdin.getWriter();
    (stdin === undefined
      ? writer.close()
      : writer.write(new TextEncoder().encode(stdin)).then(() =>
        writer.close()
      )).catch(() => {});
    this.#reading = [
      this.#read(this.child.stdout, (text) => this.stdout += text),
      this.#read(this.child.stderr, (text) => this.stderr += text),
    ];
    this.status = this.child.status;
  }

  async #read(
    stream: ReadableStream<Uint8Array>,
    append: (text: string) => void,
  ): Promise<void> {
    for await (const chunk of stream) {
      append(decoder.decode(chunk, { stream: true }));
      this.#watchers = this.#watchers.filter((w) =>
        w.test() ? (w.wake(), false) : true
      );
    }
  }

  /** Waits until `test` holds for the output so far (bounded). */
  until(test: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w.wake !== wake);
        reject(
          new Error(
            `${what}: not within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
          ),
        );
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#watchers.push({ test, wake });
    });
  }

  /** Waits for the exit (killing the child after `timeoutMs`); all output read. */
  async finished(timeoutMs = 30_000): Promise<Deno.CommandStatus> {
    const timer = setTimeout(() => this.#kill("SIGKILL"), timeoutMs);
    try {
      const status = await this.status;
      await Promise.all(this.#reading);
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal unless the child has ended. */
  #kill(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Stops the child (SIGTERM, then SIGKILL after 5 s) and reads the rest. */
  async stop(): Promise<Deno.CommandStatus> {
    this.#kill("SIGTERM");
    return await this.finished(5_000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** A `dim station` child on a free port of 127.0.0.1 with its own store. */
export class StationProcess implements AsyncDisposable {
  readonly #child: StationChild;
  #stopped: Promise<Deno.CommandStatus> | undefined;

  private constructor(child: StationChild) {
    this.#child = child;
  }

  /**
   * Starts a station (with `extra` station options, e.g. `--with-bots`)
   * and waits for its "listening on" line.
   */
  static async start(
    dataDir: string,
    extra: readonly string[] = [],
  ): Promise<StationProcess> {
    return new StationProcess(
      await startLocalStation(dataDir, extra),
    );
  }

  /** The station's ID. */
  get id(): string {
    return this.#child.id;
  }

  /** Its stderr so far. */
  get log(): string {
    return this.#child.log();
  }

  /** `HOST:PORT` for `--station`. */
  get address(): string {
    return `${this.#child.host}:${this.#child.port}`;
  }

  /** Stops it (SIGTERM; once). */
  stop(): Promise<Deno.CommandStatus> {
    this.#stopped ??= stopStation(this.#child, "SIGTERM");
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
