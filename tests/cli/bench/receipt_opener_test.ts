import assert from "node:assert/strict";
import { ReceiptCommand } from "../../../dimp/command/mod.ts";
import {
  ArrayContent,
  parseContent,
  TextContent,
} from "../../../dimp/content/mod.ts";
import { base64Encode, utf8Encode } from "../../../dimp/crypto/mod.ts";
import {
  MemoryCipherKeyCache,
  MessagePacker,
  ReliableMessage,
} from "../../../dimp/message/mod.ts";
import { ensureBenchUsers } from "../../../cli/bench/mod.ts";
import { ReceiptOpener } from "../../../cli/bench/_receipt_opener.ts";
import { AccountsDirectory } from "../../../client/mod.ts";
import { tempAccounts } from "../../client/_accounts.ts";

Deno.test("receipt opener: after the packer opened one message, the next ones with the same sealed key read as the packer reads them; anything else is left to the packer", async () => {
  await using temp = tempAccounts();
  const { users } = await ensureBenchUsers(temp.accounts, 3);
  const [station, alice, bob] = users;
  const directory = new AccountsDirectory(temp.accounts);
  const sender = new MessagePacker({ user: station, directory });
  const cipherKeys = new MemoryCipherKeyCache();
  const packer = new MessagePacker({ user: alice, directory, cipherKeys });
  const receipts = (n: number) =>
    ArrayContent.create(
      Array.from(
        { length: n },
        (_, i) => ReceiptCommand.create(`Message ${i}.`, undefined),
      ),
    );
  const first = await sender.packContent(alice.id, receipts(2));
  const second = await sender.packContent(alice.id, receipts(3));
  const text = await sender.packContent(alice.id, TextContent.create("hi"));
  // the station seals its key to alice once and sends that `key` again
  assert.equal(second.dictionary.key, first.dictionary.key);

  const opener = new ReceiptOpener();
  assert.equal(await opener.open(first), undefined); // nothing learnt yet
  await packer.decrypt(first);
  opener.learn(first, cipherKeys.get(first.sender, first.destination));
  for (const msg of [first, second, text]) {
    const mine = await opener.open(ReliableMessage.parse(msg.serialize()));
    assert.ok(mine !== undefined);
    const theirs = (await packer.decrypt(msg)).content;
    assert.deepEqual(mine, theirs.dictionary);
    assert.equal(parseContent(mine).constructor, theirs.constructor);
  }
  const items = (parseContent((await opener.open(second))!) as ArrayContent)
    .contents.map(parseContent);
  assert.deepEqual(
    items.map((c) => (c as ReceiptCommand).text),
    ["Message 0.", "Message 1.", "Message 2."],
  );

  const changed = (edit: (dict: Record<string, unknown>) => void) => {
    const dict = structuredClone(second.dictionary);
    edit(dict);
    return ReliableMessage.parse(dict);
  };
  const other = await new MessagePacker({ user: bob, directory })
    .packContent(alice.id, receipts(1));
  const toBob = await sender.packContent(bob.id, receipts(1));
  const notMine = [
    other, // another sender
    toBob, // another receiver (its own key)
    changed((d) => d.key = other.dictionary.key), // another sealed key
    changed((d) => delete d.key), // no sealed key
    changed((d) => d.group = bob.id.value), // to a group
    changed((d) => { // data that does not decrypt (a block cut off)
      const data = d.data as string;
      d.data = data.slice(0, data.length - 24);
    }),
  ];
  for (const [i, msg] of notMine.entries()) {
    assert.equal(await opener.open(msg), undefined, `case ${i}`);
  }
  // a new opener (a new session) knows nothing
  assert.equal(await new ReceiptOpener().open(second), undefined);

  // contents sealed with the learnt key by hand: bad UTF-8 is nothing (the
  // strict decoder's verdict, as the packer's); a U+FFFD that is really
  // there and other text outside ASCII read as the packer reads them
  const password = cipherKeys.get(first.sender, first.destination)!;
  const sealed = async (plaintext: Uint8Array) => {
    const params: Record<string, unknown> = {};
    const data = await password.encrypt(plaintext, params);
    return changed((d) => {
      d.data = base64Encode(data);
      d.IV = params.IV;
    });
  };
  const bad = await sealed(
    Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d),
  );
  assert.equal(await opener.open(bad), undefined);
  await assert.rejects(() => packer.decrypt(bad));
  const json = '{"type":136,"command":"receipt","text":"已送达"}';
  for (
    const plaintext of [
      json,
      json.replace("已", "\uFFFD"),
      "\uFEFF" + json, // a byte order mark is kept: not JSON
    ]
  ) {
    const msg = await sealed(utf8Encode(plaintext));
    const theirs = await packer.decrypt(msg).then(
      (m) => m.content.dictionary,
      () => undefined,
    );
    assert.deepEqual(await opener.open(msg), theirs);
  }
  assert.equal(
    parseContent((await opener.open(await sealed(utf8Encode(json))))!)
      .constructor,
    ReceiptCommand,
  );
});
