/**
 * `dim register export --private > FILE` under umask 022: the file with the
 * private keys is made 0600; a public export is left as the shell made it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dim, tempDir } from "./_dim.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

Deno.test({
  name:
    "dim register export --private into a file: 0600 under umask 022; a public export keeps the umask's 0644",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    using dir = tempDir();
    const made = await dim([
      "--data-dir",
      dir.path,
      "register",
      "generate",
      "user",
      "--name",
      "Alice",
    ]);
    assert.equal(made.code, 0, made.stderr);
    const id = made.lastLine;
    const exportTo = async (file: string, extra: string[]) => {
      const script =
        `umask 022; exec "$0" run -A "$1" --data-dir "$2" register export "$3" ${
          extra.join(" ")
        } > "$4"`;
      const out = await new Deno.Command("sh", {
        args: ["-c", script, Deno.execPath(), MAIN, dir.path, id, file],
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return Deno.statSync(file).mode! & 0o777;
    };
    const secret = join(dir.path, "alice-private.json");
    assert.equal(await exportTo(secret, ["--private"]), 0o600);
    assert.match(Deno.readTextFileSync(secret), /"id_private_key"/);
    const plain = join(dir.path, "alice.json");
    assert.equal(await exportTo(plain, []), 0o644);
  },
});
