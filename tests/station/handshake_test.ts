/**
 * station.md §11.a cases 1–3: start-up with a fresh identity, the speed
 * test, and the handshake states — in every framing.
 */
import assert from "node:assert/strict";
import {
  HandshakeCommand,
  type ReceiptCommand,
} from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import {
  ANY_STATION,
  EntityType,
  EVERY_STATION,
} from "../../dimp/identity/mod.ts";
import type { Framing } from "../../station/mod.ts";
import {
  accounts,
  commandName,
  receiptText,
  sleep,
  TestPeer,
  withStation,
  World,
} from "./_peer.ts";

const [alice, bob, carol] = await accounts(3);
const FRAMINGS: Framing[] = ["mtp", "ws", "plain", "mars"];

Deno.test("start-up: a fresh STATION identity (ECC ID key, RSA visa key, visa with name/host/port) on one port for every framing", async () => {
  await withStation({}, async ({ station, port }) => {
    const identity = station.identity;
    assert.equal(identity.id.type, EntityType.STATION);
    assert.equal(identity.created, true);
    assert.equal(identity.meta.key.algorithm, "ECC");
    assert.equal(identity.visa.visaKey()?.algorithm, "RSA");
    assert.equal(identity.visa.getProperty("name"), "dim station");
    assert.equal(identity.visa.getProperty("host"), "127.0.0.1");
    assert.equal(identity.visa.getProperty("port"), port);
    assert.ok(await identity.visa.verify(identity.meta.key));
    // the stored visa is the advertised one
    assert.deepEqual(
      station.accounts.visa(identity.id)?.toDictionary(),
      identity.visa.toDictionary(),
    );
    for (const framing of FRAMINGS) {
      const peer = await TestPeer.connect(port, alice, { framing });
      await peer.handshake();
      assert.equal(peer.stationId?.value, identity.id.value);
      await peer.close();
    }
  });
});

Deno.test("start-up: a second start on the same store finds the same identity and re-signs its visa", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-station-test-" });
  try {
    let first: string | undefined;
    let firstTime: number | undefined;
    await withStation({ storePath: `${dir}/dim.db` }, ({ station }) => {
      first = station.id.value;
      firstTime = station.identity.visa.time;
      return Promise.resolve();
    });
    await sleep(5);
    await withStation(
      { storePath: `${dir}/dim.db`, publicHost: "192.0.2.7" },
      ({ station }) => {
        assert.equal(station.id.value, first);
        assert.equal(station.identity.created, false);
        assert.equal(station.identity.visa.getProperty("host"), "192.0.2.7");
        assert.ok(station.identity.visa.time! > firstTime!);
        return Promise.resolve();
      },
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("speed test (WebSocket): 'Nice to meet you too!' with remote_address, meta+visa attached, from a STATION; the session stays unbound", async () => {
  await withStation({}, async ({ station, port }) => {
    const peer = await TestPeer.connect(port, alice, { framing: "ws" });
    await peer.sendContent(
      ANY_STATION,
      HandshakeCommand.create("Nice to meet you!"),
      { attach: true, group: EVERY_STATION },
    );
    const reply = await peer.nextCommand("handshake");
    const content = reply.instant!.content as HandshakeCommand;
    assert.equal(content.title, "Nice to meet you too!");
    assert.equal(content.dictionary.message, "Nice to meet you too!");
    assert.equal(reply.msg.sender.type, EntityType.STATION);
    assert.ok(reply.msg.meta !== undefined && reply.msg.visa !== undefined);
    assert.ok(reply.line.startsWith("{") && reply.line.endsWith("}"));
    const [session] = [...station.center.all()];
    assert.deepEqual(content.remoteAddress, [...session.conn.remoteAddress]);
    assert.equal(session.identifier, undefined);
    // still unbound: a message to a user is suspended with a forced DIM?
    peer.world.know(bob);
    await peer.sendContent(bob.id, TextContent.create("hi"));
    const forced = await peer.next((r) =>
      commandName(r) === "handshake" &&
      (r.instant!.content as HandshakeCommand).force
    );
    assert.equal((forced.instant!.content as HandshakeCommand).title, "DIM?");
    await peer.close();
  });
});

for (const framing of FRAMINGS) {
  Deno.test(`handshake [${framing}]: DIM? with key, address, meta+visa; wrong key → same key again; right key → DIM!; a second ID is refused`, async () => {
    await withStation({}, async ({ station, port }) => {
      const world = new World();
      const peer = await TestPeer.connect(port, alice, { framing, world });
      await peer.offer();
      const again = await peer.nextCommand("handshake");
      const dimQ = again.instant!.content as HandshakeCommand;
      assert.equal(dimQ.dictionary.title, "DIM?");
      assert.equal(dimQ.dictionary.message, "DIM?");
      assert.match(dimQ.session!, /^[0-9a-f]{64}$/);
      assert.equal(dimQ.remoteAddress?.[0], "127.0.0.1");
      assert.equal(typeof dimQ.remoteAddress?.[1], "number");
      assert.ok(again.msg.meta !== undefined, "station meta attached");
      assert.ok(again.msg.visa !== undefined, "station visa attached");
      assert.equal(again.msg.sender.value, station.id.value);
      assert.equal(again.msg.receiver.value, alice.id.value);
      // the reply is encrypted for alice (not a broadcast) and signed
      assert.ok(typeof again.msg.dictionary.key === "string");
      // the first offer's meta and visa are stored (one transaction)
      assert.deepEqual(
        station.accounts.meta(alice.id)?.toDictionary(),
        alice.meta.toDictionary(),
      );
      assert.deepEqual(
        station.accounts.documents(alice.id).map((d) => d.toDictionary()),
        [alice.visa.toDictionary()],
      );

      const from = peer.inbox.length;
      await peer.offer("0".repeat(64));
      const retry = await peer.nextCommand("handshake", 5000, from);
      const retried = retry.instant!.content as HandshakeCommand;
      assert.equal(retried.title, "DIM?");
      assert.equal(retried.session, dimQ.session);
      assert.equal(
        retry.msg.meta,
        undefined,
        "no attachments to a known station",
      );

      const next = peer.inbox.length;
      await peer.offer(dimQ.session);
      const ok = await peer.nextCommand("handshake", 5000, next);
      const success = ok.instant!.content as HandshakeCommand;
      assert.equal(success.title, "DIM!");
      assert.equal(success.dictionary.message, "DIM!");
      assert.equal(success.session, dimQ.session);
      const session = [...station.center.all()][0];
      assert.equal(session.identifier?.value, alice.id.value);
      assert.deepEqual(station.center.active(alice.id), [session]);

      // another ID on the same socket: no reply, the session keeps alice
      await peer.send(
        await peer.packAs(
          bob,
          station.id,
          HandshakeCommand.offer(dimQ.session),
          { attach: true },
        ),
      );
      assert.deepEqual(await peer.quiet(() => true, 300), []);
      assert.equal(session.identifier?.value, alice.id.value);
      assert.deepEqual(station.center.active(bob.id), []);
      await peer.close();
    });
  });
}

Deno.test("handshake (2021 form): 'message' without 'title' is read; DIM?/DIM! sent to the station get 'Command not support.'", async () => {
  await withStation({}, async ({ port }) => {
    const peer = await TestPeer.connect(port, carol);
    const legacy = HandshakeCommand.offer();
    delete legacy.dictionary.title;
    await peer.sendContent(ANY_STATION, legacy, {
      attach: true,
      group: EVERY_STATION,
    });
    const again = await peer.nextCommand("handshake");
    const key = (again.instant!.content as HandshakeCommand).session!;
    const restart = HandshakeCommand.offer(key);
    delete restart.dictionary.title;
    const from = peer.inbox.length;
    await peer.sendContent(peer.stationId!, restart);
    const ok = await peer.nextCommand("handshake", 5000, from);
    assert.equal((ok.instant!.content as HandshakeCommand).title, "DIM!");

    for (const title of ["DIM?", "DIM!"]) {
      const sent = await peer.sendContent(
        peer.stationId!,
        HandshakeCommand.create(title, key),
      );
      const refused = await peer.next((r) =>
        receiptText(r) === "Command not support." &&
        (r.instant!.content as ReceiptCommand).originalSignature ===
          sent.signature
      );
      const receipt = refused.instant!.content as ReceiptCommand;
      assert.equal(
        receipt.dictionary.template,
        'Handshake command error: title="${title}".',
      );
      assert.deepEqual(receipt.dictionary.replacements, { title });
    }
    await peer.close();
  });
});
