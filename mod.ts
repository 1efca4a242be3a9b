/**
 * `dim` — the public API: the DIMP core that bots and tools build on.
 *
 * @module
 */
export * from "./dimp/mod.ts";
