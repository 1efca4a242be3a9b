/**
 * Runs the real `dim` CLI process (`deno run cli/main.ts`) for the CLI
 * tests, with a clean environment (no `DIM_*` from the caller).
 *
 * @module
 */
import { join } from "node:path";
import { denoForNobody } from "../_nobody.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/** What one `dim` process did. */
export interface DimRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout (the ID, for generate / modify / import). */
  readonly lastLine: string;
}

/** How to run it. */
export interface DimOptions {
  /** Text on stdin; without it stdin is a pipe left open (never a terminal). */
  readonly stdin?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Run as this user and group (root only). */
  readonly uid?: number;
  /** The Deno cache directory for the child (default: the caller's). */
  readonly denoDir?: string;
}

/** Runs `dim ...args` and collects its output. */
export async function dim(
  args: readonly string[],
  options: DimOptions = {},
): Promise<DimRun> {
  // a station does not pay its self warm-up in the suite (tests that want it set it)
  const env: Record<string, string> = {
    NO_COLOR: "1",
    DIM_STATION_SELF_WARMUP: "0",
    ...options.env,
  };
  for (const name of ["HOME", "PATH", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined && env[name] === undefined) env[name] = value;
  }
  if (options.denoDir !== undefined) env.DENO_DIR = options.denoDir;
  const deno = options.uid === undefined ? Deno.execPath() : denoForNobody();
  const child = new Deno.Command(deno, {
    args: ["run", "--allow-all", MAIN, ...args],
    clearEnv: true,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.uid === undefined
      ? {}
      : { uid: options.uid, gid: options.uid }),
  }).spawn();
  const output = child.output();
  const writer = child.stdin.getWriter();
  if (options.stdin !== undefined) {
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  // without stdin text the pipe stays open: a prompt would wait forever
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const { code, stdout, stderr } = await output;
    const out = new TextDecoder().decode(stdout);
    return {
      code,
      stdout: out,
      stderr: new TextDecoder().decode(stderr),
      lastLine: out.trimEnd().split("\n").at(-1) ?? "",
    };
  } finally {
    clearTimeout(timer);
    if (options.stdin === undefined) await writer.close().catch(() => {});
  }
}

/** A fresh temporary directory (world-readable), removed on dispose. */
export function tempDir(): { readonly path: string } & Disposable {
  const path = Deno.makeTempDirSync({ prefix: "dim-cli-test-" });
  Deno.chmodSync(path, 0o755);
  return {
    path,
    [Symbol.dispose]() {
      Deno.removeSync(path, { recursive: true });
    },
  };
}

/** Writes JSON to a file in `dir` and returns its path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  Deno.writeTextFileSync(path, JSON.stringify(value));
  return path;
}

/**
 * A Deno cache directory the unprivileged user "nobody" (uid 65534) may
 * use: a world-writable copy of this cache's npm packages in `parent`
 * (root's own cache is not readable by others).
 */
export async function nobodyDenoDir(parent: string): Promise<string> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
  }).output();
  const { npmCache } = JSON.parse(new TextDecoder().decode(info.stdout));
  const denoDir = join(parent, "deno");
  Deno.mkdirSync(denoDir);
  const copy = await new Deno.Command("cp", {
    args: ["-r", npmCache, join(denoDir, "npm")],
  }).output();
  if (!copy.success) throw new Error(`cannot copy ${npmCache}`);
  await new Deno.Command("chmod", { args: ["-R", "a+rwX", denoDir] }).output();
  return denoDir;
}

/** Makes a station account with `dim register generate station`; returns its ID. */
export async function generateStation(
  dataDir: string,
  seed: string,
): Promise<string> {
  const made = await dim([
    "--data-dir",
    dataDir,
    "register",
    "generate",
    "station",
    "--seed",
    seed,
    "--yes",
  ]);
  if (made.code !== 0) throw new Error(`generate failed: ${made.stderr}`);
  return made.lastLine;
}

/**
 * Copies an account's public records (meta, documents — no private keys)
 * from one data directory to another: `dim register export`, then
 * `dim register import`.
 */
export async function copyPublicAccount(
  id: string,
  from: string,
  to: string,
): Promise<void> {
  const exported = await dim(["--data-dir", from, "register", "export", id]);
  if (exported.code !== 0) throw new Error(`export: ${exported.stderr}`);
  const file = join(to, `${crypto.randomUUID()}.json`);
  Deno.writeTextFileSync(file, exported.stdout);
  const imported = await dim(["--data-dir", to, "register", "import", file]);
  Deno.removeSync(file);
  if (imported.code !== 0) throw new Error(`import: ${imported.stderr}`);
}
