/**
 * Helpers for the tests of several stations: a user arriving at a station
 * (handshake, visa and login broadcast), waiting for a condition, matching
 * a station's receipt, learning a station's meta and visa through a
 * documents query, and asking a station where a user's login says the
 * user is.
 *
 * @module
 */
import {
  DocumentCommand,
  LoginCommand,
  type ReceiptCommand,
} from "../../dimp/command/mod.ts";
import { ForwardContent } from "../../dimp/content/mod.ts";
import { Document, EVERYONE, type ID, Meta } from "../../dimp/identity/mod.ts";
import { ReliableMessage } from "../../dimp/message/mod.ts";
import {
  type Account,
  receiptText,
  type Received,
  sleep,
  TestPeer,
  type World,
} from "./_peer.ts";

/** Waits until `check()` holds (polled every 20 ms); throws naming `what` after the timeout. */
export async function until(
  what: string,
  check: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await sleep(20);
  }
}

/**
 * Connects to the station on `port`, handshakes, and broadcasts the user's
 * visa and a login naming `station` (what a real client does).
 */
export async function arrive(
  port: number,
  station: ID,
  account: Account,
  world: World,
): Promise<TestPeer> {
  const peer = await TestPeer.connect(port, account, { world });
  await peer.handshake();
  await peer.sendContent(
    EVERYONE,
    DocumentCommand.response(account.id, account.meta, [account.visa]),
  );
  await peer.sendContent(
    EVERYONE,
    LoginCommand.create(account.id, {
      station: { id: station, host: "127.0.0.1", port },
    }),
  );
  return peer;
}

/** Matches the receipt `text` from `station` for the message signed `signature`. */
export function receiptFrom(
  station: ID,
  text: string,
  signature: string,
): (r: Received) => boolean {
  return (r) =>
    receiptText(r) === text && r.msg.sender.equals(station) &&
    (r.instant!.content as ReceiptCommand).originalSignature === signature;
}

/** Messages signed `signature` in the peer's inbox. */
export function copies(peer: TestPeer, signature: string): Received[] {
  return peer.inbox.filter((r) => r.msg.signature === signature);
}

/**
 * Asks the peer's station for the documents of `id` and keeps the meta and
 * newest document it answers with in the peer's world (so that messages
 * from that station can be verified).
 */
export async function learn(peer: TestPeer, id: ID): Promise<void> {
  const from = peer.inbox.length;
  await peer.sendContent(peer.stationId!, DocumentCommand.query(id));
  const answer = await peer.next(
    (r) => {
      const content = r.instant?.content;
      return content instanceof DocumentCommand &&
        content.identifier?.equals(id) === true && !content.isQuery;
    },
    5000,
    from,
  );
  const content = answer.instant!.content as DocumentCommand;
  peer.world.metas.set(id.value, Meta.parse(content.metaDictionary));
  peer.world.visas.set(id.value, Document.parse(content.documents.at(-1)));
}

/**
 * Asks the peer's station (documents query, §4.9) until the login it
 * forwards for `user` names `station`.
 */
export async function waitLogin(
  peer: TestPeer,
  user: ID,
  station: ID,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const from = peer.inbox.length;
    await peer.sendContent(peer.stationId!, DocumentCommand.query(user));
    const answer = await peer.next(
      (r) => r.instant?.content instanceof ForwardContent,
      1000,
      from,
    ).catch(() => undefined);
    const forwarded = answer === undefined
      ? []
      : (answer.instant!.content as ForwardContent).messages;
    for (const dict of forwarded) {
      const login = await peer.packer.unpack(ReliableMessage.parse(dict));
      const content = login.content;
      if (
        content instanceof LoginCommand &&
        content.stationId?.equals(station) === true
      ) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`${user.value}'s login never named ${station.value}`);
    }
    await sleep(100);
  }
}
