/**
 * The v2.x "message shortener" names (spec messages.md §5.3): readers expand
 * them; `dim` never emits them. A short name is moved to its long name only
 * when the long name is absent (the reference skips conflicts).
 *
 * @module
 */

const MESSAGE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ["F", "sender"],
  ["R", "receiver"],
  ["W", "time"],
  ["T", "type"],
  ["G", "group"],
  ["D", "data"],
  ["V", "signature"],
  ["M", "meta"],
  ["P", "visa"],
];

const CONTENT_NAMES: ReadonlyArray<readonly [string, string]> = [
  ["T", "type"],
  ["N", "sn"],
  ["W", "time"],
  ["G", "group"],
  ["C", "command"],
];

function move(
  dict: Record<string, unknown>,
  short: string,
  long: string,
): void {
  if (Object.hasOwn(dict, short) && !Object.hasOwn(dict, long)) {
    dict[long] = dict[short];
    delete dict[short];
  }
}

/**
 * Expands the short member names of a reliable/secure message in place:
 * `F` sender, `R` receiver, `W` time, `T` type, `G` group, `D` data, `V`
 * signature, `M` meta, `P` visa, `K` → `key` (a string) or `keys` (an
 * object).
 *
 * @returns whether anything was renamed
 */
export function expandMessageKeys(dict: Record<string, unknown>): boolean {
  let changed = false;
  // an index loop: no iterator or pair per name, per message
  for (let i = 0; i < MESSAGE_NAMES.length; i++) {
    const short = MESSAGE_NAMES[i][0];
    const long = MESSAGE_NAMES[i][1];
    if (Object.hasOwn(dict, short) && !Object.hasOwn(dict, long)) {
      move(dict, short, long);
      changed = true;
    }
  }
  if (Object.hasOwn(dict, "K")) {
    const long = typeof dict.K === "string" ? "key" : "keys";
    if (!Object.hasOwn(dict, long)) {
      move(dict, "K", long);
      changed = true;
    }
  }
  return changed;
}

/**
 * Expands the short member names of a content in place: `T` type, `N` sn,
 * `W` time, `G` group, `C` command.
 *
 * @example
 * ```ts
 * const content: Record<string, unknown> = { T: 1, N: 7, text: "hi" };
 * expandContentKeys(content); // content.type === 1, content.sn === 7
 * ```
 */
export function expandContentKeys(dict: Record<string, unknown>): void {
  // an index loop, as expandMessageKeys': no iterator or pair per name
  for (let i = 0; i < CONTENT_NAMES.length; i++) {
    move(dict, CONTENT_NAMES[i][0], CONTENT_NAMES[i][1]);
  }
}
