/**
 * Speed of the message layer: the station's routing parse per message size
 * (against a bare JSON.parse), signature verification per key type, packing
 * (encrypt + sign) and unpacking (verify + decrypt), and receipts packed
 * with and without the cached encrypted message key.
 *
 * Run: deno bench -A tests/bench/message_bench.ts
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { EVERYONE } from "../../dimp/identity/mod.ts";
import {
  InstantMessage,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import { aliceBobStation, type NewAccount } from "../dimp/message/_fixtures.ts";

const { alice, bob, station, directory } = await aliceBobStation();

function packerOf(account: NewAccount, reuseEncryptedKeys = true) {
  return new MessagePacker({
    user: account.user,
    directory,
    reuseEncryptedKeys,
  });
}

const encoder = new TextEncoder();

/** A packed message of about `size` bytes on the wire. */
async function wireOf(
  from: NewAccount,
  to: NewAccount | undefined,
  size: number,
): Promise<Uint8Array> {
  const packer = packerOf(from);
  const receiver = to?.user.id ?? EVERYONE;
  let text = "";
  let wire = encoder.encode(
    (await packer.packContent(receiver, TextContent.create(text))).serialize(),
  );
  text = "x".repeat(Math.max(0, Math.floor((size - wire.length) * 3 / 4)));
  wire = encoder.encode(
    (await packer.packContent(receiver, TextContent.create(text))).serialize(),
  );
  return wire;
}

const small = await wireOf(bob, undefined, 200); // ECC broadcast, tiny text
const kib = await wireOf(alice, bob, 1024);
const kib16 = await wireOf(alice, bob, 16 * 1024);

for (
  const [name, wire] of [["~200 B", small], ["1 KiB", kib], [
    "16 KiB",
    kib16,
  ]] as const
) {
  const label = `${name} (${wire.length} B)`;
  Deno.bench(`parse ${label}: ReliableMessage.parse (routing members)`, {
    group: `parse ${name}`,
  }, () => {
    ReliableMessage.parse(wire);
  });
  Deno.bench(`parse ${label}: TextDecoder + JSON.parse only`, {
    group: `parse ${name}`,
    baseline: true,
  }, () => {
    JSON.parse(new TextDecoder().decode(wire));
  });
}

const bobReader = packerOf(bob);
const aliceReader = packerOf(alice);
const fromAlice = ReliableMessage.parse(
  await wireOf(alice, bob, 1024),
); // RSA signer
const fromBob = ReliableMessage.parse(await wireOf(bob, alice, 1024)); // ECC signer

Deno.bench("verify 1 KiB, RSA-1024 signer", { group: "verify" }, async () => {
  await bobReader.verify(fromAlice);
});
Deno.bench(
  "verify 1 KiB, ECC secp256k1 signer",
  { group: "verify" },
  async () => {
    await aliceReader.verify(fromBob);
  },
);

const kibText = TextContent.create("x".repeat(700)).dictionary.text as string;
const alicePacker = packerOf(alice);
const bobPacker = packerOf(bob);
Deno.bench(
  "pack 1 KiB text, RSA signer (key cached)",
  { group: "pack" },
  async () => {
    await alicePacker.packContent(bob.user.id, TextContent.create(kibText));
  },
);
Deno.bench(
  "pack 1 KiB text, ECC signer (key cached)",
  { group: "pack" },
  async () => {
    await bobPacker.packContent(alice.user.id, TextContent.create(kibText));
  },
);

/** Distinct messages, each with its own RSA-encrypted key. */
const FRESH = 400;
const RUNS = { n: 300, warmup: 50 }; // n + warmup < FRESH: every key is new
async function freshMessages(
  from: NewAccount,
  to: NewAccount,
): Promise<ReliableMessage[]> {
  const packer = packerOf(from, false);
  const out: ReliableMessage[] = [];
  for (let i = 0; i < FRESH; i++) {
    out.push(
      await packer.packContent(to.user.id, TextContent.create(kibText)),
    );
  }
  return out;
}
const freshFromAlice = await freshMessages(alice, bob);
const freshFromBob = await freshMessages(bob, alice);
let nextAlice = 0;
let nextBob = 0;

Deno.bench({
  name: "unpack 1 KiB, RSA signer, new encrypted key (verify + RSA + AES)",
  group: "unpack",
  ...RUNS,
  fn: async () => {
    await bobReader.unpack(freshFromAlice[nextAlice++ % FRESH]);
  },
});
Deno.bench({
  name: "unpack 1 KiB, ECC signer, new encrypted key (verify + RSA + AES)",
  group: "unpack",
  ...RUNS,
  fn: async () => {
    await aliceReader.unpack(freshFromBob[nextBob++ % FRESH]);
  },
});
Deno.bench(
  "unpack 1 KiB, RSA signer, encrypted key seen before (verify + AES)",
  {
    group: "unpack",
  },
  async () => {
    await bobReader.unpack(fromAlice);
  },
);

const original = fromAlice;
const reusing = packerOf(station, true);
const sealing = packerOf(station, false);

Deno.bench("encrypt only, receipt, encrypted key cached (1 AES)", {
  group: "receipt encrypt",
}, async () => {
  await reusing.encrypt(
    InstantMessage.create(
      station.user.id,
      alice.user.id,
      ReceiptCommand.create("Message delivered.", original),
    ),
  );
});
Deno.bench(
  "encrypt only, receipt, key RSA-encrypted each time (1 AES + 1 RSA)",
  {
    group: "receipt encrypt",
    baseline: true,
  },
  async () => {
    await sealing.encrypt(
      InstantMessage.create(
        station.user.id,
        alice.user.id,
        ReceiptCommand.create("Message delivered.", original),
      ),
    );
  },
);

Deno.bench("receipt station -> user, encrypted key cached (1 AES + 1 ECDSA)", {
  group: "receipt",
}, async () => {
  await reusing.packContent(
    alice.user.id,
    ReceiptCommand.create("Message delivered.", original),
  );
});
Deno.bench("receipt station -> user, key RSA-encrypted each time", {
  group: "receipt",
  baseline: true,
}, async () => {
  await sealing.packContent(
    alice.user.id,
    ReceiptCommand.create("Message delivered.", original),
  );
});
