/**
 * `process_open_fds` is the count of `/proc/self/fd` where it can be read,
 * and absent (never a false 0) where it cannot — as under the permissions
 * the compiled binary has (Deno reads /proc/self only with --allow-all).
 */
import assert from "node:assert/strict";

const METRICS = new URL("../../station/ops/station_metrics.ts", import.meta.url)
  .href;

async function expose(readFlag: string): Promise<string> {
  const script = `import { StationMetrics } from "${METRICS}";
const out = new StationMetrics({ version: "0" }).registry.expose();
await Deno.stdout.write(new TextEncoder().encode(out));`;
  const file = Deno.makeTempFileSync({ suffix: ".ts" });
  Deno.writeTextFileSync(file, script);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", readFlag, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  Deno.removeSync(file);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

Deno.test({
  name:
    "process_open_fds: counted where /proc/self/fd can be read, absent where it cannot",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const allowed = await expose("--allow-all");
    const value = Number(/^process_open_fds (\d+)$/m.exec(allowed)?.[1]);
    assert.ok(value > 2, allowed);
    // Deno lets only --allow-all read /proc/self: the compiled binary's
    // flags (deno task compile) do not
    const denied = await expose("--allow-read");
    assert.doesNotMatch(denied, /process_open_fds/);
    assert.match(denied, /^process_resident_memory_bytes \d+/m);
  },
});
