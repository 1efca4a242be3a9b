/**
 * Loads the reference test vectors. The files in `tests/vectors/` are copies of
 * `../shared/vectors/` (made by the reference implementation) so that a clean
 * clone can run the suite; `tests/vectors_sync_test.ts` checks that the copies
 * still equal the shared originals whenever those are present.
 *
 * @module
 */

/** The vector files by name. */
export type VectorFile =
  | "identity"
  | "messages"
  | "reference-generated"
  | "transport";

const cache = new Map<VectorFile, unknown>();

/** Directory of the committed copies. */
export const VECTORS_DIR: URL = new URL("./vectors/", import.meta.url);

/**
 * Reads and parses one vector file (cached).
 *
 * @example
 * ```ts
 * const identity = loadVectors("identity") as { vectors: unknown[] };
 * ```
 */
export function loadVectors(name: VectorFile): unknown {
  let data = cache.get(name);
  if (data === undefined) {
    data = JSON.parse(
      Deno.readTextFileSync(new URL(`${name}.json`, VECTORS_DIR)),
    );
    cache.set(name, data);
  }
  return data;
}
