/**
 * A hostile logged-in client for the hardening tests and the soak: after a
 * real handshake it sends, in random (seeded) combinations, what a user or
 * a neighbour should not — metas and documents for others, absurd visas,
 * replayed and future-dated messages, commands with wrong-typed members,
 * huge group commands, slow searches, lists past their bounds, receipts
 * for messages never received, forged `traces` and `neighbor` fields, and
 * messages that claim another sender.
 *
 * @module
 */
import { Command } from "../../dimp/command/mod.ts";
import { Content, ContentType, TextContent } from "../../dimp/content/mod.ts";
import { encodeTed } from "../../dimp/crypto/mod.ts";
import {
  ANY_STATION,
  ANYONE,
  Document,
  EVERY_STATION,
  EVERYONE,
  type ID,
  parseId,
} from "../../dimp/identity/mod.ts";
import { ReliableMessage } from "../../dimp/message/mod.ts";
import type { Account, TestPeer } from "./_peer.ts";

/** A small seeded PRNG (mulberry32): the same seed, the same attacks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What an attack works with. */
export interface HostileContext {
  /** The hostile peer, handshaken. */
  readonly peer: TestPeer;
  /** The station attacked. */
  readonly station: ID;
  /** Other users (their data must not change). */
  readonly victims: readonly Account[];
  /** A group none of the hostile peer's (owned by a victim). */
  readonly group: ID;
  /** The random source. */
  readonly random: () => number;
  /** Messages the hostile peer sent (replayed later). */
  readonly sent: ReliableMessage[];
}

/** One kind of hostile input; sends one or a few messages. */
export type Attack = (ctx: HostileContext) => Promise<void>;

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

function int(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

/** A value of a random wrong type (or an absurd one of the right type). */
export function wildValue(random: () => number): unknown {
  const values: (() => unknown)[] = [
    () => null,
    () => true,
    () => -1,
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => "",
    () => "x".repeat(int(random, 4096)),
    () => "*".repeat(300),
    () => [],
    () => [null, 1, "a", {}],
    () => ({}),
    () => ({ did: 7, ID: [], data: {}, signature: 1 }),
    () => "\u0000\ud800 ü 漢字 🙂",
    () => Array.from({ length: 2000 }, (_, i) => `n${i}`),
  ];
  return pick(random, values)();
}

const COMMAND_NAMES = [
  "handshake",
  "login",
  "report",
  "online",
  "offline",
  "broadcast",
  "meta",
  "documents",
  "document",
  "profile",
  "visa",
  "bulletin",
  "ans",
  "block",
  "mute",
  "receipt",
  "search",
  "users",
  "storage",
  "invite",
  "expel",
  "reset",
  "query",
  "hire",
  "fire",
  "resign",
];

const MEMBER_NAMES = [
  "did",
  "ID",
  "meta",
  "document",
  "documents",
  "names",
  "records",
  "list",
  "title",
  "message",
  "session",
  "station",
  "terminal",
  "keywords",
  "start",
  "limit",
  "members",
  "group",
  "envelope",
  "sn",
  "signature",
  "last_time",
  "time",
  "presence",
  "origin",
  "agent",
];

async function send(
  ctx: HostileContext,
  receiver: ID,
  content: Content,
  tamper?: (dict: Record<string, unknown>) => void,
  group?: ID,
): Promise<void> {
  const msg = await ctx.peer.pack(receiver, content, { group });
  let out = msg;
  if (tamper !== undefined) {
    const dict = { ...msg.dictionary };
    tamper(dict);
    out = ReliableMessage.parse(dict);
  }
  ctx.sent.push(out);
  if (ctx.sent.length > 64) ctx.sent.shift();
  await ctx.peer.send(out);
}

function command(name: string, members: Record<string, unknown>): Content {
  return new Content(Command.buildCommand(name, members));
}

function victim(ctx: HostileContext): Account {
  return pick(ctx.random, ctx.victims);
}

function anyReceiver(ctx: HostileContext): ID {
  return pick(ctx.random, [
    ctx.station,
    ANY_STATION,
    EVERY_STATION,
    EVERYONE,
    ANYONE,
    ctx.peer.id,
    victim(ctx).id,
    parseId("archivist@anywhere"),
  ]);
}

/** A meta for a victim's ID (or another ID) whose key does not match. */
const mismatchedMeta: Attack = (ctx) => {
  const id = victim(ctx).id;
  return send(
    ctx,
    ctx.station,
    command("meta", {
      did: id.value,
      meta: ctx.peer.account.meta.toDictionary(),
    }),
  );
};

/** A document for a victim signed with the hostile key, or one for another ID. */
const foreignDocument: Attack = async (ctx) => {
  const target = victim(ctx);
  const doc = Document.create(target.id, "visa");
  doc.setProperty("name", "mallory was here");
  await doc.sign(ctx.peer.account.signKey);
  const forOther = ctx.random() < 0.5;
  await send(
    ctx,
    ctx.station,
    command("documents", {
      did: forOther ? ctx.peer.id.value : target.id.value,
      meta: forOther ? undefined : target.meta.toDictionary(),
      documents: [doc.toDictionary()],
    }),
  );
};

/** The peer's own visa with absurd members, properly signed. */
const absurdVisa: Attack = async (ctx) => {
  const doc = Document.create(ctx.peer.id, "visa");
  const absurd: Record<string, () => unknown> = {
    name: () => "Z".repeat(int(ctx.random, 200_000)),
    time: () => pick(ctx.random, [-1, 0, 1e12, 32503680000, "soon", null]),
    key: () => wildValue(ctx.random),
    avatar: () => wildValue(ctx.random),
    created_time: () => wildValue(ctx.random),
  };
  const which = pick(ctx.random, Object.keys(absurd));
  doc.setProperty(which, absurd[which]());
  await doc.sign(ctx.peer.account.signKey);
  const dict = doc.toDictionary();
  if (which === "time") {
    // sign() set time = now: write the absurd one into the signed data
    const data = JSON.parse(dict.data as string);
    data.time = absurd.time();
    const text = JSON.stringify(data);
    const signature = await ctx.peer.account.signKey.sign(
      new TextEncoder().encode(text),
    );
    dict.data = text;
    dict.signature = encodeTed(signature);
  }
  await send(
    ctx,
    ctx.station,
    command("documents", { did: ctx.peer.id.value, documents: [dict] }),
  );
};

/** A message sent before, again. */
const replay: Attack = async (ctx) => {
  if (ctx.sent.length === 0) return;
  await ctx.peer.send(pick(ctx.random, ctx.sent));
};

/** A message dated far in the future or past. */
const timeTravel: Attack = (ctx) =>
  send(
    ctx,
    anyReceiver(ctx),
    TextContent.create("from another time"),
    (dict) => {
      dict.time = pick(ctx.random, [
        Date.now() / 1000 + 10 * 365 * 86400,
        -1,
        0,
        1e300,
        "tomorrow",
      ]);
    },
  );

/** A command with members of the wrong type. */
const wrongTypes: Attack = (ctx) => {
  const members: Record<string, unknown> = {};
  const count = 1 + int(ctx.random, 4);
  for (let i = 0; i < count; i++) {
    members[pick(ctx.random, MEMBER_NAMES)] = wildValue(ctx.random);
  }
  const name = pick(ctx.random, COMMAND_NAMES);
  const content = command(name, members);
  if (ctx.random() < 0.2) content.dictionary.type = wildValue(ctx.random);
  if (ctx.random() < 0.2) content.dictionary.command = wildValue(ctx.random);
  return send(ctx, pick(ctx.random, [ctx.station, anyReceiver(ctx)]), content);
};

/**
 * A group command with 12,000 members (as many as fit in a 1 MiB frame),
 * for a group the peer does not own.
 */
const hugeGroup: Attack = (ctx) => {
  const members = Array.from(
    { length: 12_000 },
    (_, i) => `u${i}@${ctx.peer.id.address.value}`,
  );
  const name = pick(ctx.random, ["invite", "expel", "reset", "hire"]);
  const toGroup = ctx.random() < 0.3;
  return send(
    ctx,
    pick(ctx.random, [ctx.station, victim(ctx).id]),
    new Content(
      Content.build(ContentType.COMMAND, {
        command: name,
        members,
        group: ctx.group.value,
      }),
    ),
    toGroup ? (dict) => dict.receiver = ctx.group.value : undefined,
    ctx.group,
  );
};

/** A search built to be slow: huge, wildcard-heavy, every script. */
const slowSearch: Attack = (ctx) => {
  const keywords = pick(ctx.random, [
    "%".repeat(5000),
    "* ? % _ ".repeat(2000),
    "a ".repeat(20_000),
    "ü 漢 🙂 ا ש ж ".repeat(2000),
    '" OR 1=1 -- NEAR(a b) *',
  ]);
  return send(
    ctx,
    pick(ctx.random, [ctx.station, parseId("archivist@anywhere")]),
    command("search", {
      keywords,
      start: wildValue(ctx.random),
      limit: pick(ctx.random, [1e9, -5, "all"]),
    }),
  );
};

/** ANS at and past its bounds. */
const ansBounds: Attack = (ctx) =>
  send(
    ctx,
    ctx.station,
    command("ans", {
      names: pick(ctx.random, [
        Array.from({ length: 50_000 }, (_, i) => `n${i}`).join(" "),
        "x".repeat(400_000),
        " ".repeat(1000),
        wildValue(ctx.random),
      ]),
    }),
  );

/** Block and mute lists at and past their bounds. */
const hugeList: Attack = (ctx) => {
  const length = pick(ctx.random, [0, 1000, 10_000, 20_000]);
  const list = Array.from(
    { length },
    (_, i) => i % 3 === 0 ? i : `u${i}@${ctx.peer.id.address.value}`,
  );
  return send(
    ctx,
    ctx.station,
    command(pick(ctx.random, ["block", "mute"]), { list }),
  );
};

/** A receipt for a message the peer never received. */
const strayReceipt: Attack = (ctx) =>
  send(
    ctx,
    pick(ctx.random, [ctx.station, victim(ctx).id]),
    command("receipt", {
      text: "Message received.",
      sn: int(ctx.random, 2 ** 31),
      signature: btoa("never"),
      envelope: {
        sender: victim(ctx).id.value,
        receiver: ctx.peer.id.value,
        time: 1,
      },
    }),
  );

/** To itself or a broadcast address, with forged `traces`. */
const forgedTraces: Attack = (ctx) =>
  send(
    ctx,
    pick(ctx.random, [
      ctx.peer.id,
      EVERYONE,
      EVERY_STATION,
      ANYONE,
      ANY_STATION,
    ]),
    TextContent.create("traced"),
    (dict) => {
      dict.traces = pick(ctx.random, [
        [ctx.station.value],
        [{ did: ctx.station.value, host: "1.2.3.4", port: 1 }],
        Array.from({ length: 5000 }, (_, i) => `s${i}`),
        "not a list",
        [null, 7, {}],
      ]);
    },
  );

/** A `neighbor` member set by a user. */
const neighborField: Attack = (ctx) =>
  send(
    ctx,
    anyReceiver(ctx),
    TextContent.create("neighbour?"),
    (dict) => {
      dict.neighbor = pick(ctx.random, [
        ctx.station.value,
        "evil@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj",
        wildValue(ctx.random),
      ]);
    },
  );

/** A message claiming a victim as its sender (signed with the peer's key). */
const forgedSender: Attack = async (ctx) => {
  const target = victim(ctx);
  const content = pick(ctx.random, [
    command("block", { list: [ctx.peer.id.value] }),
    command("mute", { list: [ctx.peer.id.value] }),
    command("login", {
      did: target.id.value,
      station: { did: ctx.station.value, ID: ctx.station.value },
    }),
    command("report", { title: "offline" }),
    TextContent.create("it was me"),
  ]);
  const msg = await ctx.peer.forge(
    target.id,
    pick(ctx.random, [ctx.station, victim(ctx).id]),
    content,
  );
  ctx.sent.push(msg);
  await ctx.peer.send(msg);
};

/** Every attack, by name. */
export const ATTACKS: Readonly<Record<string, Attack>> = {
  mismatchedMeta,
  foreignDocument,
  absurdVisa,
  replay,
  timeTravel,
  wrongTypes,
  hugeGroup,
  slowSearch,
  ansBounds,
  hugeList,
  strayReceipt,
  forgedTraces,
  neighborField,
  forgedSender,
};

/**
 * Sends `count` random attacks; returns how many of each kind went out.
 */
export async function attack(
  ctx: HostileContext,
  count: number,
): Promise<Record<string, number>> {
  const names = Object.keys(ATTACKS);
  const sent: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const name = pick(ctx.random, names);
    await ATTACKS[name](ctx);
    sent[name] = (sent[name] ?? 0) + 1;
  }
  return sent;
}
