/**
 * The release build: `deno task compile` → `dist/dim` with the permission
 * set baked in.
 *
 * 1. Always: the task's own `deno compile` command runs with a stand-in base
 *    binary (`DENORT_BIN`), and the metadata Deno writes into the output is
 *    read: the permissions, the `net` unstable feature, the entry point and
 *    the embedded modules. This needs no download.
 * 2. When the real runtime (`denort`) can be had — `DENORT_BIN` set by the
 *    caller, Deno's cache, or the download — the real binary is built and
 *    run (`version`, `help`, `config migrate`, a backup). Where the download
 *    is not reachable this test is ignored, saying so.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url).pathname;

/** The `deno compile` arguments of `deno task compile`, writing to `output`. */
function compileArgs(output: string): string[] {
  const words = denoJson.tasks.compile.split(/\s+/);
  assert.equal(words[0], "deno");
  assert.equal(words[1], "compile");
  const at = words.indexOf("--output");
  assert.ok(at > 0, "the task names its --output");
  assert.equal(words[at + 1], "dist/dim");
  words[at + 1] = output;
  return words.slice(1);
}

async function compile(
  output: string,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ ok: boolean; stderr: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(output),
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  return {
    ok: result.success,
    stderr: new TextDecoder().decode(result.stderr),
  };
}

/** The JSON object starting at `{"argv":` in a compiled binary. */
function readMetadata(binary: Uint8Array): Record<string, unknown> {
  const text = new TextDecoder("latin1").decode(binary);
  const start = text.indexOf('{"argv":');
  assert.ok(start >= 0, "no metadata in the output");
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      return JSON.parse(text.slice(start, i + 1));
    }
  }
  throw new Error("the metadata does not end");
}

// --- the probe for the real runtime, once, before the tests are declared ---
const work = Deno.makeTempDirSync({ prefix: "dim-compile-test-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(work, { recursive: true });
  } catch {
    // already gone
  }
});
const realBinary = join(work, "real", "dim");
const DOWNLOAD_FAILED =
  /Download|error sending request|dns error|failed to lookup|Connect|certificate/i;
let realSkip = "";
/** A compile failure that is not about the download: the test shows it. */
let realError: string | undefined;
try {
  const real = await compile(realBinary, {}, 60_000);
  if (!real.ok) {
    if (DOWNLOAD_FAILED.test(real.stderr)) {
      realSkip =
        " (skipped: the Deno runtime for compiled binaries (denort) cannot be downloaded here; set DENORT_BIN to a denort binary to run it)";
    } else realError = real.stderr;
  }
} catch (error) {
  if (!(error instanceof DOMException && error.name === "TimeoutError")) {
    throw error;
  }
  realSkip = " (skipped: deno compile did not finish in 60 s)";
}
if (realSkip !== "") {
  Deno.stderr.writeSync(new TextEncoder().encode(`compile test${realSkip}\n`));
}

Deno.test("compile: deno task compile bakes in the permission set, the net feature, the V8 flags and every module (stand-in base binary)", async () => {
  const standIn = join(work, "denort-stand-in");
  Deno.copyFileSync("/bin/true", standIn);
  const output = join(work, "metadata", "dim");
  const result = await compile(output, { DENORT_BIN: standIn });
  assert.ok(result.ok, result.stderr);
  const metadata = readMetadata(Deno.readFileSync(output));
  const permissions = metadata.permissions as Record<string, unknown>;
  // [] is "all" for a granted permission; null is not granted
  for (
    const granted of [
      "allow_net",
      "allow_read",
      "allow_write",
      "allow_env",
      "allow_sys",
      "allow_ffi", // the system's libcrypto ([station] crypto_engine)
    ]
  ) {
    assert.deepEqual(permissions[granted], [], granted);
  }
  assert.equal(permissions.allow_run, null, "allow_run");
  const unstable = metadata.unstable_config as { features: string[] };
  assert.ok(
    unstable.features.includes("net"),
    "sd_notify needs Deno.listenDatagram",
  );
  assert.match(String(metadata.entrypoint_key), /cli\/main\.ts$/);
  // the young generation capped, as `deno task dim` runs the station
  assert.ok(
    (metadata.v8_flags as string[]).includes("--max-semi-space-size=2"),
    String(metadata.v8_flags),
  );
  // Deno lists what it embedded on stderr
  for (
    const file of [
      "main.ts",
      "backup.ts",
      "config_migrate.ts",
      "python_config.ts",
      "register.ts",
      "deno.json",
    ]
  ) {
    assert.ok(result.stderr.includes(file), `${file} not embedded`);
  }
});

Deno.test({
  name: "compile: the real dist/dim runs its subcommands" + realSkip,
  ignore: realSkip !== "",
  fn: async () => {
    assert.equal(realError, undefined, realError);
    const run = async (args: string[]) => {
      const out = await new Deno.Command(realBinary, {
        args,
        env: { NO_COLOR: "1", HOME: work },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    const version = await run(["version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `dim ${denoJson.version}\n`);
    const help = await run(["help"]);
    assert.match(help.stdout, /backup/);
    const migrate = await run([
      "config",
      "migrate",
      join(ROOT, "tests/cli/fixtures/config_2021.py"),
    ]);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /^id = gsp-s100@/m);
    const data = join(work, "data");
    const user = await run([
      "--data-dir",
      data,
      "register",
      "generate",
      "user",
    ]);
    assert.equal(user.code, 0, user.stderr);
    const backup = await run([
      "--data-dir",
      data,
      "backup",
      join(work, "b.db"),
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(JSON.parse(backup.stdout).integrity, "ok");
  },
});
