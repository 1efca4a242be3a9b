/**
 * The DIM station (station.md §1–§5): sessions and the handshake, the
 * inbound pipeline, the dispatcher, offline delivery, the station's own
 * command processors, and the transport underneath.
 *
 * @example
 * ```ts ignore
 * import { Station } from "./mod.ts";
 * const station = await Station.start({ storePath: "/srv/dim/dim.db" });
 * await station.stop();
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "../client/log.ts";
export * from "./stats.ts";
export * from "./ops/stats_metrics.ts";
export * from "./identity.ts";
export * from "./ans.ts";
export * from "./routes.ts";
export * from "./traces.ts";
export * from "./push_queue.ts";
export * from "./session.ts";
export * from "./session_center.ts";
export * from "./session_handler.ts";
export * from "./block_lists.ts";
export * from "./offline.ts";
export * from "./online_users.ts";
export * from "./preload.ts";
export * from "./signer.ts";
export * from "./decrypt_pool.ts";
export * from "./handshake_pool.ts";
export * from "./storm_collector.ts";
export * from "./messenger.ts";
export * from "./dispatcher.ts";
export * from "./presence.ts";
export * from "./core.ts";
export * from "./pipeline.ts";
export * from "./replies.ts";
export * from "./assemble.ts";
export * from "./rate_limit.ts";
export * from "./station.ts";
export * from "./neighbours.ts";
export * from "./bridge/mod.ts";
export * from "./processors/mod.ts";
export * from "./transport/mod.ts";
