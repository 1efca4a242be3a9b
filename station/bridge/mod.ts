/**
 * The bridge (station.md §6.6): the station's client connections to its
 * neighbours and to itself, relaying what the station routes to other
 * stations and what neighbours push to it.
 *
 * @example
 * ```ts ignore
 * import { Bridge } from "./mod.ts";
 * const bridge = await Bridge.start({ station, neighbours: () => list });
 * await bridge.stop();
 * ```
 *
 * @module
 */
export * from "./link.ts";
export * from "./bridge.ts";
export * from "./backlog.ts";
export * from "./presence_outbox.ts";
