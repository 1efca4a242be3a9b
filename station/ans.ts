/**
 * The address name service of the station (station.md §2.5): short names
 * such as `archivist` → IDs. Used for `ans` queries and for `name@anywhere`
 * receivers (a message to `archivist@anywhere` goes to the archivist bot).
 *
 * Records: the built-in names (`all`, `everyone` → `everyone@everywhere`;
 * `anyone`, `owner` → `anyone@anywhere`; `founder` → `moky@anywhere`), the
 * `[ans]` section of the config, then the store's `ans` table. The built-in
 * names cannot be overridden. Names are matched case-insensitively.
 *
 * @module
 */
import {
  ANYONE,
  EVERYONE,
  FOUNDER,
  type ID,
  tryParseId,
} from "../dimp/identity/mod.ts";

const BUILT_IN: ReadonlyMap<string, ID> = new Map([
  ["all", EVERYONE],
  ["everyone", EVERYONE],
  ["anyone", ANYONE],
  ["owner", ANYONE],
  ["founder", FOUNDER],
]);

/**
 * Name → ID records.
 *
 * @example
 * ```ts
 * import { parseId } from "../dimp/identity/mod.ts";
 * const ans = new AnsBook(new Map([["archivist", parseId("archivist@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9")]]));
 * ans.resolve("archivist")?.name; // "archivist"
 * ans.resolve("everyone")?.value; // "everyone@everywhere"
 * ```
 */
export class AnsBook {
  readonly #records = new Map<string, ID>();
  #lookup: ((name: string) => string | undefined) | undefined;

  /**
   * Records from the config, then from the store (the config wins). The
   * store is either read once (a record of names) or asked for each name
   * the config does not know (a lookup: records a bot wrote after the start
   * are found).
   */
  constructor(
    config: ReadonlyMap<string, ID> = new Map(),
    stored:
      | Readonly<Record<string, string>>
      | ((name: string) => string | undefined) = {},
  ) {
    this.reload(config, stored);
  }

  /**
   * Replaces every record by these (SIGHUP: the config file read again).
   *
   * @example
   * ```ts
   * import { parseId } from "../dimp/identity/mod.ts";
   * const ans = new AnsBook();
   * ans.reload(new Map([["monitor", parseId("monitor@2PaF5csHmt8n1e2wdDimHHyj1HrdW3QZur9")]]));
   * ans.resolve("monitor")?.name; // "monitor"
   * ```
   */
  reload(
    config: ReadonlyMap<string, ID>,
    stored:
      | Readonly<Record<string, string>>
      | ((name: string) => string | undefined) = {},
  ): void {
    this.#records.clear();
    this.#lookup = undefined;
    if (typeof stored === "function") {
      this.#lookup = stored;
    } else {
      for (const [name, id] of Object.entries(stored)) {
        const parsed = tryParseId(id);
        if (parsed !== undefined) this.#records.set(name.toLowerCase(), parsed);
      }
    }
    for (const [name, id] of config) this.#records.set(name.toLowerCase(), id);
    for (const [name, id] of BUILT_IN) this.#records.set(name, id);
  }

  /**
   * The ID of a name, if recorded; a name that is itself an ID (`name@address`
   * or a bare address) resolves to that ID, as the reference's ID parser
   * does.
   */
  resolve(name: string): ID | undefined {
    const lower = name.toLowerCase();
    const found = this.#records.get(lower);
    if (found !== undefined) return found;
    const stored = this.#lookup?.(lower);
    if (stored !== undefined) {
      const parsed = tryParseId(stored);
      if (parsed !== undefined) return parsed;
    }
    return tryParseId(name);
  }

  /** Every record (built-in ones included). */
  records(): ReadonlyMap<string, ID> {
    return this.#records;
  }
}
