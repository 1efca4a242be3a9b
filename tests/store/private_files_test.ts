/**
 * Files with private keys are the owner's only, whatever the umask: the
 * store (and its -wal / -shm), a backup, a restored store, the data
 * directory; existing files keep their mode.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { join } from "node:path";
import { backupStore, restoreStore } from "../../store/backup.ts";
import { exposedFiles, Store } from "../../store/mod.ts";

const mode = (path: string) => Deno.statSync(path).mode! & 0o777;

Deno.test({
  name:
    "private files: store, WAL/SHM, backup and restore are 0600 and the data directory 0700 under umask 000 and 022",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const root = Deno.makeTempDirSync({ prefix: "dim-modes-" });
    const previous = process.umask(0);
    try {
      for (const umask of [0o000, 0o022]) {
        process.umask(umask);
        const data = join(root, `data-${umask}`, "nested");
        const store = Store.open({ dataDir: data });
        const db = join(data, "dim.db");
        try {
          store.db.statement("CREATE TABLE IF NOT EXISTS t (x)").run();
          store.db.statement("INSERT INTO t VALUES (1)").run();
          assert.equal(mode(data), 0o700, `data dir, umask ${umask}`);
          for (const file of [db, `${db}-wal`, `${db}-shm`]) {
            assert.equal(mode(file), 0o600, `${file}, umask ${umask}`);
          }
          assert.deepEqual(exposedFiles([data, db]), []);
          const copy = join(root, `backup-${umask}.db`);
          await backupStore(db, copy);
          assert.equal(mode(copy), 0o600, `backup, umask ${umask}`);
          const restored = join(root, `restored-${umask}`, "dim.db");
          store.close();
          await restoreStore(copy, restored);
          assert.equal(mode(restored), 0o600, `restored, umask ${umask}`);
        } finally {
          store.close();
        }
      }
      // an existing file keeps its mode, and is named as exposed
      const open = join(root, "open.db");
      Deno.writeTextFileSync(open, "");
      Deno.chmodSync(open, 0o644);
      Store.open({ path: open }).close();
      assert.equal(mode(open), 0o644);
      assert.deepEqual(exposedFiles([open]), [{ path: open, mode: 0o644 }]);
    } finally {
      process.umask(previous);
      Deno.removeSync(root, { recursive: true });
    }
  },
});
