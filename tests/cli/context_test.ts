import assert from "node:assert/strict";
import {
  resolveConfigPath,
  resolveDataDir,
  UsageError,
} from "../../cli/context.ts";
import { splitGlobalOptions } from "../../cli/main.ts";

Deno.test("data dir: --data-dir wins over every variable", () => {
  assert.deepEqual(
    resolveDataDir("/a", {
      DIM_DATA_DIR: "/b",
      STATE_DIRECTORY: "/c",
      HOME: "/h",
    }),
    "/a",
  );
});

Deno.test("data dir: DIM_DATA_DIR, then STATE_DIRECTORY, then ~/.local/share/dim", () => {
  assert.deepEqual(
    resolveDataDir(undefined, { DIM_DATA_DIR: "/b", STATE_DIRECTORY: "/c" }),
    "/b",
  );
  assert.deepEqual(
    resolveDataDir(undefined, { STATE_DIRECTORY: "/c:/d", HOME: "/h" }),
    "/c",
  );
  assert.deepEqual(
    resolveDataDir(undefined, { HOME: "/h" }),
    "/h/.local/share/dim",
  );
  assert.throws(() => resolveDataDir(undefined, {}), UsageError);
});

Deno.test("config: --config, else DIM_CONFIG, else none", () => {
  assert.deepEqual(
    resolveConfigPath("/x.ini", { DIM_CONFIG: "/y.ini" }),
    "/x.ini",
  );
  assert.deepEqual(
    resolveConfigPath(undefined, { DIM_CONFIG: "/y.ini" }),
    "/y.ini",
  );
  assert.deepEqual(resolveConfigPath(undefined, {}), undefined);
});

Deno.test("global options stand anywhere before --", () => {
  assert.deepEqual(
    splitGlobalOptions([
      "station",
      "--data-dir",
      "/d",
      "--port=1",
      "--config=/c",
    ]),
    {
      dataDir: "/d",
      db: undefined,
      config: "/c",
      rest: ["station", "--port=1"],
    },
  );
  assert.deepEqual(
    splitGlobalOptions(["client", "--", "--data-dir", "x"]),
    {
      dataDir: undefined,
      db: undefined,
      config: undefined,
      rest: ["client", "--", "--data-dir", "x"],
    },
  );
  assert.throws(() => splitGlobalOptions(["--data-dir"]), UsageError);
});
