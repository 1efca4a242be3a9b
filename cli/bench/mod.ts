/**
 * The load generator behind `dim bench`: N users kept in the bench's own
 * store, every message packed before the clock starts, then written at the
 * offered rate and recognised on arrival by its signature — it speaks only
 * the protocol, so it measures any DIM station.
 *
 * ```ts ignore
 * import { ensureBenchUsers, runBench } from "./mod.ts";
 * const { users } = await ensureBenchUsers(accounts, 100);
 * const result = await runBench({
 *   accounts, host: "127.0.0.1", port: 9394, framing: "mtp", users,
 *   messages: 100, size: 100, window: 8, duration: 120_000, receipts: false,
 * });
 * console.log(result.delivered_per_s, result.latency_ms.p99);
 * ```
 *
 * @module
 */
export * from "./nonces.ts";
export * from "./plan.ts";
export * from "./process_stats.ts";
export * from "./result.ts";
export * from "./run.ts";
export * from "./sessions.ts";
export * from "./users.ts";
