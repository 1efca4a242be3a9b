/**
 * Child process for the health test: opens the store in the directory given
 * as the first argument, serves /health (with the store check) and /metrics
 * on a free loopback port, prints the URL, and stops when stdin closes.
 *
 * @module
 */
import { Database } from "../../store/database.ts";
import { startAdmin } from "../../station/ops/admin.ts";
import { HealthChecks, storeWritableCheck } from "../../station/ops/health.ts";
import { StationMetrics } from "../../station/ops/station_metrics.ts";

const db = Database.open({ dataDir: Deno.args[0] });
const health = new HealthChecks();
health.add("store", storeWritableCheck(db.path));
const metrics = new StationMetrics();
const admin = startAdmin({ port: 0, health, metrics: metrics.registry });
Deno.stdout.writeSync(new TextEncoder().encode(admin.url + "\n"));
for await (const _ of Deno.stdin.readable) {
  // wait for the parent to close stdin
}
await admin.close();
db.close();
