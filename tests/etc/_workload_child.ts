/**
 * A station-like workload for the seccomp test (run under strace): the
 * SQLite store with a durable write and a backup, the admin listener
 * scraped over HTTP, a TCP round trip, a systemd notification, log lines,
 * timers and the process metrics.
 *
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../store/database.ts";
import { startAdmin } from "../../station/ops/admin.ts";
import { HealthChecks, storeWritableCheck } from "../../station/ops/health.ts";
import { Logger } from "../../client/logger.ts";
import { sdNotify } from "../../station/ops/sd_notify.ts";
import { StationMetrics } from "../../station/ops/station_metrics.ts";
import { backupStore } from "../../store/backup.ts";

const dir = Deno.args[0];
const log = Logger.create({ format: "json", level: "debug" });
const db = Database.open({ dataDir: join(dir, "data") });
db.write(
  () =>
    db.statement("INSERT INTO ans (name, id) VALUES (?, ?)").run("a", "b@c"),
  { durable: true },
);
await backupStore(db.path, join(dir, "backup.db"));
new DatabaseSync(join(dir, "backup.db"), { readOnly: true }).close();
const metrics = new StationMetrics();
const health = new HealthChecks();
health.add("store", storeWritableCheck(db.path));
const admin = startAdmin({
  port: 0,
  metrics: metrics.registry,
  health,
  logger: log,
});
for (let i = 0; i < 3; i++) {
  await (await fetch(`${admin.url}/metrics`)).text();
  await (await fetch(`${admin.url}/health`)).text();
}
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const client = await Deno.connect({
  hostname: "127.0.0.1",
  port: listener.addr.port,
});
const server = await listener.accept();
await client.write(new Uint8Array(64));
await server.read(new Uint8Array(64));
client.close();
server.close();
listener.close();
const notify = Deno.listenDatagram({
  path: join(dir, "notify"),
  transport: "unixpacket",
});
await sdNotify({ READY: 1 }, { NOTIFY_SOCKET: join(dir, "notify") });
await notify.receive();
notify.close();
await new Promise((resolve) => setTimeout(resolve, 20));
await admin.close();
db.close();
log.info("workload done");
