/**
 * The account types of `dim register`: their words (2021 forms included),
 * their menu, and the meta types.
 *
 * @module
 */
import { EntityType, MetaType } from "../dimp/identity/mod.ts";
import { UsageError } from "./context.ts";

/** The account type words (2021 forms included) and their entity types. */
const TYPE_WORDS: Readonly<Record<string, number>> = {
  user: EntityType.USER,
  group: EntityType.GROUP,
  station: EntityType.STATION,
  isp: EntityType.ISP,
  bot: EntityType.BOT,
  robot: EntityType.BOT,
  icp: EntityType.ICP,
};

/** The menu of account types a terminal shows. */
export const TYPE_MENU: readonly string[] = [
  "0: User",
  "1: Group (User Group)",
  "2: Station (Server Node)",
  "3: ISP (Service Provider)",
  "4: Bot (Business Node)",
  "5: ICP (Content Provider)",
];

/** The name of an entity type (`station`), or its number in hex. */
export function typeName(type: number): string {
  const word = Object.entries(TYPE_WORDS).find(([, t]) => t === type)?.[0];
  return word ?? `0x${type.toString(16).padStart(2, "0")}`;
}

/** An account type word or number (0..5), else a {@link UsageError}. */
export function parseType(text: string): number {
  const word = text.trim().toLowerCase();
  if (Object.hasOwn(TYPE_WORDS, word)) return TYPE_WORDS[word];
  if (/^[0-5]$/.test(word)) return Number(word);
  throw new UsageError(
    `unknown account type "${text}" (user, group, station, isp, bot, icp or 0..5)`,
  );
}

/** A `--meta` value (eth, btc, mkm or 1, 2, 4), else a {@link UsageError}. */
export function parseMetaOption(text: string): 1 | 2 | 4 {
  switch (text.trim().toLowerCase()) {
    case "mkm":
    case "1":
      return MetaType.MKM;
    case "btc":
    case "2":
      return MetaType.BTC;
    case "eth":
    case "4":
      return MetaType.ETH;
  }
  throw new UsageError(`unknown meta type "${text}" (eth, btc or mkm)`);
}
