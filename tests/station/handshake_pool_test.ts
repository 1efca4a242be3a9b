/**
 * HandshakePool: a handshake's crypto checked ahead on a worker (real keys,
 * real workers, a real store) decides exactly what the main thread alone
 * decides — a good handshake binds, a bad meta, visa, message signature or
 * sealed key is refused the same way — and what the worker did is used.
 */
import assert from "node:assert/strict";
import { HandshakeCommand } from "../../dimp/command/mod.ts";
import {
  base64Encode,
  decodeTed,
  type PrivateKey,
} from "../../dimp/crypto/mod.ts";
import {
  ANY_STATION,
  EntityType,
  EVERY_STATION,
} from "../../dimp/identity/mod.ts";
import { MessagePacker } from "../../dimp/message/mod.ts";
import {
  assemblePipeline,
  findStationIdentity,
  HandshakePool,
  Session,
} from "../../station/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { MemoryConnection } from "../_memory_connection.ts";
import {
  type Account,
  accounts,
  closeAll,
  newAccount,
  online,
  TestPeer,
  withStation,
  World,
} from "./_peer.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { backend } from "../../dimp/crypto/_backend.ts";

/** ECDSA verifications made on this thread (the workers count their own). */
const ecdsa = { n: 0 };
const ecVerify = backend.ecVerify;
backend.ecVerify = (key, data, signature) => {
  ecdsa.n++;
  return ecVerify(key, data, signature);
};

/** How an offer is spoiled after it was packed. */
type Spoil = "none" | "meta" | "visa" | "signature" | "sealed";

/** What the station decided about a user's two offers. */
interface Outcome {
  readonly replies: number[];
  readonly bound: boolean;
  readonly meta: boolean;
  readonly visa: boolean;
  readonly success: number;
  readonly dropped: Record<string, number>;
  /** Sealed keys the main thread decrypted itself. */
  readonly decryptedHere: number;
  /** ECDSA verifications the main thread made itself. */
  readonly verifiedHere: number;
  /** Payloads the worker checked ahead. */
  readonly prepared: number;
}

/** base64 of `text`'s bytes with the last one flipped. */
function flipped(text: string): string {
  const bytes = decodeTed(text);
  bytes[bytes.length - 1] ^= 1;
  return base64Encode(bytes);
}

/** A decryption key that counts its decryptions (on this thread). */
function counting(key: PrivateKey, count: { n: number }): PrivateKey {
  return {
    algorithm: key.algorithm,
    publicKey: key.publicKey,
    sign: (data) => key.sign(data),
    decrypt: (ciphertext) => {
      count.n++;
      return key.decrypt!(ciphertext);
    },
    toDictionary: () => key.toDictionary(),
    toJSON: () => key.toDictionary(),
  };
}

/**
 * A fresh station (store, identity, pipeline) takes `user`'s two offers
 * (the first to station@anywhere with meta and visa, the second to the
 * station with the session key and a message key sealed for it), spoiled
 * as `spoil` says; with `threads` > 0 each payload is checked ahead first.
 */
async function handshake(
  user: Account,
  spoil: Spoil,
  threads: number,
): Promise<Outcome> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-handshake-pool-" });
  const store = Store.open({ dataDir: dir });
  const accounts = new Accounts(store);
  const found = await findStationIdentity(accounts);
  const count = { n: 0 };
  const identity = {
    ...found,
    decryptKeys: found.decryptKeys.map((key) => counting(key, count)),
  };
  const pool = new HandshakePool(identity.id, identity.decryptKeys, threads);
  const pipeline = assemblePipeline(identity, accounts, { handshakes: pool });
  try {
    const world = new World();
    world.know(found);
    const session = new Session(new MemoryConnection({ keep: false }));
    pipeline.center.add(session);
    const packer = new MessagePacker({ user: { ...user }, directory: world });
    const first = JSON.parse((await packer.packContent(
      ANY_STATION,
      HandshakeCommand.offer(undefined, { group: EVERY_STATION }),
      { attach: true },
    )).serialize()) as Record<string, unknown>;
    const second = JSON.parse((await packer.packContent(
      identity.id,
      HandshakeCommand.offer(session.key),
    )).serialize()) as Record<string, unknown>;
    const meta = first.meta as Record<string, unknown>;
    const visa = first.visa as Record<string, unknown>;
    switch (spoil) {
      case "meta":
        meta.fingerprint = flipped(meta.fingerprint as string);
        break;
      case "visa":
        visa.signature = flipped(visa.signature as string);
        break;
      case "signature":
        first.signature = flipped(first.signature as string);
        second.signature = flipped(second.signature as string);
        break;
      case "sealed":
        second.key = flipped(second.key as string);
        break;
    }
    const replies: number[] = [];
    const ecdsaBefore = ecdsa.n;
    for (const offer of [first, second]) {
      const lines = [JSON.stringify(offer)];
      const parsed = await pool.prepare(session.conn.id, lines);
      replies.push((await pipeline.receive(session, lines, parsed)).length);
    }
    return {
      replies,
      bound: session.identifier !== undefined,
      meta: accounts.meta(user.id) !== undefined,
      visa: accounts.visa(user.id) !== undefined,
      success: pipeline.stats.handshakes.success,
      dropped: { ...pipeline.stats.droppedBy },
      decryptedHere: count.n,
      verifiedHere: ecdsa.n - ecdsaBefore,
      prepared: pool.prepared,
    };
  } finally {
    pool.close();
    pipeline.close();
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** The outcome without the counts of where the work was done. */
function decided(
  outcome: Outcome,
): Omit<Outcome, "decryptedHere" | "verifiedHere" | "prepared"> {
  const {
    decryptedHere: _here,
    verifiedHere: _verified,
    prepared: _prepared,
    ...rest
  } = outcome;
  return rest;
}

const users = {
  // a user's meta (ETH) has no signature; a bot's (MKM, with a seed) has one
  eth: await newAccount(EntityType.USER, "eth"),
  mkm: await newAccount(EntityType.BOT, "moky"),
};

Deno.test("HandshakePool: a good handshake binds the same with the crypto checked ahead, and the signatures the worker verified and the sealed key it opened are not checked again here", async () => {
  for (const user of [users.eth, users.mkm]) {
    const inline = await handshake(user, "none", 0);
    const ahead = await handshake(user, "none", 1);
    assert.deepEqual(decided(ahead), decided(inline));
    assert.equal(inline.bound, true);
    assert.deepEqual(inline.replies, [1, 1]);
    assert.equal(inline.meta && inline.visa, true);
    assert.equal(inline.decryptedHere, 1);
    assert.equal(inline.prepared, 0);
    assert.equal(ahead.decryptedHere, 0);
    // the two offers' signatures at least (the visa's may be known already)
    assert.ok(inline.verifiedHere >= 2, `${inline.verifiedHere}`);
    assert.equal(ahead.verifiedHere, 0);
    assert.equal(ahead.prepared, 2);
  }
});

Deno.test("HandshakePool: a bad meta, a bad visa, a bad message signature and a bad sealed key are refused exactly as without it", async () => {
  const cases: [Account, Spoil][] = [
    [users.mkm, "meta"],
    [users.eth, "visa"],
    [users.mkm, "visa"],
    [users.eth, "signature"],
    [users.eth, "sealed"],
  ];
  for (const [user, spoil] of cases) {
    const inline = await handshake(user, spoil, 0);
    const ahead = await handshake(user, spoil, 1);
    assert.deepEqual(decided(ahead), decided(inline), spoil);
    assert.equal(ahead.prepared, 2, spoil);
    // what the spoiling makes the station refuse
    const refused = spoil === "visa"
      ? !inline.visa
      : !inline.bound && (spoil !== "meta" || !inline.meta);
    assert.ok(refused, spoil);
  }
});

Deno.test("HandshakePool in a station: users who connect at once (the lane busy) are checked ahead and all get in; one alone is checked inline", async () => {
  const list = await accounts(12);
  for (const threads of [1, 0]) {
    await withStation(
      { handshakeThreads: threads },
      async ({ station, port }) => {
        const world = new World();
        const [first] = await online(port, list.slice(0, 1), { world });
        assert.equal(station.handshakesAhead, 0); // idle: inline
        const peers = await Promise.all(
          list.slice(1).map(async (account) => {
            const peer = await TestPeer.connect(port, account, { world });
            await peer.handshake();
            return peer;
          }),
        );
        try {
          const bound = [...station.center.all()].filter((session) =>
            session.identifier !== undefined
          );
          assert.equal(bound.length, 12);
          if (threads === 0) assert.equal(station.handshakesAhead, 0);
          else assert.ok(station.handshakesAhead > 0);
          // and they talk
          await peers[0].sendContent(
            first.account.id,
            TextContent.create("hi"),
          );
          const got = await first.next((received) =>
            received.instant?.content instanceof TextContent
          );
          assert.equal((got.instant!.content as TextContent).text, "hi");
        } finally {
          await closeAll([first, ...peers]);
        }
      },
    );
  }
});
