/**
 * The archivist (station.md §6.2) in a real station's process, sharing its
 * store, answering real clients: search by name or ID, paging and its
 * limits, the online users, contacts storage, and bad input.
 */
import assert from "node:assert/strict";
import { Archivist } from "../../bots/mod.ts";
import type { ReceivedMessage } from "../../client/mod.ts";
import {
  Command,
  ReceiptCommand,
  SearchCommand,
  StorageCommand,
} from "../../dimp/command/mod.ts";
import { type Content, TextContent } from "../../dimp/content/mod.ts";
import {
  EntityType,
  generateAccount,
  type GeneratedAccount,
  type ID,
  parseId,
} from "../../dimp/identity/mod.ts";
import { connectClient, type TestClient, withStationBots } from "./_world.ts";
import { newAccount, receivedBy, storePublic } from "../client/_accounts.ts";

const alice = await newAccount("Alice Wonder");
const bob = await newAccount("bob");
const ARCHIVIST = parseId("archivist@anywhere");

/** Sends `request` and waits for the archivist's answer to it. */
async function ask(
  client: TestClient,
  request: Content,
  to: ID = ARCHIVIST,
): Promise<ReceivedMessage> {
  const from = client.received.length;
  const sent = await client.session.send(to, request);
  const signature = sent.message.signature;
  return await client.next(
    (m) =>
      (m.content instanceof SearchCommand && m.content.isResponse &&
        m.content.dictionary.tag === request.dictionary.tag) ||
      (m.content instanceof StorageCommand &&
        request instanceof StorageCommand) ||
      (m.content instanceof ReceiptCommand &&
        m.content.originalSignature === signature),
    5_000,
    from,
  );
}

function usersOf(msg: ReceivedMessage): string[] {
  assert.ok(msg.content instanceof SearchCommand, JSON.stringify(msg.content));
  return msg.content.users.map((id) => id.value);
}

function receiptOf(msg: ReceivedMessage): ReceiptCommand {
  assert.ok(msg.content instanceof ReceiptCommand, JSON.stringify(msg.content));
  return msg.content;
}

Deno.test("archivist: a search by part of a name or ID finds the user (via archivist@anywhere); the answer copies the request", async () => {
  await withStationBots(async ({ port, archivist, accounts }) => {
    await using _a = await connectClient(port, alice);
    await using b = await connectClient(port, bob);
    assert.equal(accounts.store.ans.get("archivist"), archivist.id.value);
    const request = SearchCommand.query("aLiCe wond", { limit: 20 });
    request.dictionary.tag = "t1";
    const answer = await ask(b, request);
    assert.equal(answer.sender.value, archivist.id.value);
    assert.deepEqual(usersOf(answer), [alice.id.value]);
    const dict = answer.content.dictionary;
    assert.equal(dict.station, archivist.id.value);
    assert.equal(dict.keywords, "aLiCe wond");
    assert.equal(dict.limit, 20);
    assert.equal(dict.tag, "t1");
    assert.notEqual(dict.sn, request.sn);
    // by a piece of the ID, addressed to the bot's ID
    const byId = SearchCommand.query(alice.id.value.slice(-12).toUpperCase());
    byId.dictionary.tag = "t2";
    assert.deepEqual(usersOf(await ask(b, byId, archivist.id)), [
      alice.id.value,
    ]);
    const none = SearchCommand.query("nobody-here");
    none.dictionary.tag = "t3";
    assert.deepEqual(usersOf(await ask(b, none)), []);
  });
});

Deno.test("archivist: paging, limit 0 / negative / absurd, groups and stations never found", async () => {
  await withStationBots(async ({ port, accounts }) => {
    const zeds: GeneratedAccount[] = [];
    for (let i = 0; i < 7; i++) {
      const zed = await newAccount(`zed ${i}`);
      await storePublic(accounts, zed);
      zeds.push(zed);
    }
    const team = await generateAccount({
      type: EntityType.GROUP,
      seed: "zedteam",
      founder: { id: zeds[0].id, key: zeds[0].identityKey! },
      properties: { name: "zed group" },
    });
    await storePublic(accounts, team);
    const station = await generateAccount({
      type: EntityType.STATION,
      seed: "zed-station",
      properties: { name: "zed station" },
    });
    await storePublic(accounts, station);
    // the group's bulletin and the station's visa are there, and named zed
    assert.equal(accounts.store.search.searchUsers(["zed"], 0, 50).length, 9);
    await using b = await connectClient(port, bob);
    const search = async (paging: Record<string, unknown>, tag: string) => {
      const request = SearchCommand.query("zed");
      Object.assign(request.dictionary, paging, { tag });
      return await ask(b, request);
    };
    const all = zeds.map((z) => z.id.value);
    assert.deepEqual(usersOf(await search({}, "p0")), all);
    assert.deepEqual(
      usersOf(await search({ start: 2, limit: 3 }, "p1")),
      all.slice(2, 5),
    );
    assert.deepEqual(
      usersOf(await search({ start: 5, limit: 0 }, "p2")),
      all.slice(5),
    );
    assert.deepEqual(usersOf(await search({ limit: -1 }, "p3")), all);
    assert.deepEqual(usersOf(await search({ limit: 1e12 }, "p4")), all);
    assert.deepEqual(
      usersOf(await search({ start: "3", limit: "2" }, "p5")),
      all.slice(3, 5),
    );
    assert.deepEqual(usersOf(await search({ start: 99 }, "p6")), []);
  });
});

Deno.test("archivist: bad search input gets 'Search command error.' and nothing else", async () => {
  await withStationBots(async ({ port, archivist }) => {
    await using b = await connectClient(port, bob);
    const bad: [Record<string, unknown>, string][] = [
      [{ keywords: undefined }, "no keywords"],
      [{ keywords: "   " }, "no keywords"],
      [{ keywords: 42 }, "no keywords"],
      [{ limit: "lots" }, "limit must be a number"],
      [{ limit: [1] }, "limit must be a number"],
      [{ start: -1 }, "start must be a number from 0"],
      [{ start: {} }, "start must be a number from 0"],
    ];
    for (const [members, error] of bad) {
      const request = SearchCommand.query("bob");
      Object.assign(request.dictionary, members);
      if (members.keywords === undefined && "keywords" in members) {
        delete request.dictionary.keywords;
      }
      const answer = receiptOf(await ask(b, request, archivist.id));
      assert.equal(answer.text, "Search command error.");
      assert.deepEqual(answer.dictionary.replacements, { error });
      assert.equal(answer.originalSn, request.sn);
    }
    // an answer (it carries users) is not answered
    const response = SearchCommand.response(
      SearchCommand.query("x"),
      [bob.id],
      archivist.id,
    );
    await b.session.send(archivist.id, response);
    assert.deepEqual(
      await b.quiet((m) => m.sender.equals(archivist.id), 300),
      [],
    );
  });
});

Deno.test("archivist: users lists who is online at the station, paged; someone who leaves is no longer listed", async () => {
  await withStationBots(async ({ port, bots }) => {
    await using b = await connectClient(port, bob);
    let ask_ = 0;
    const online = async (paging: Record<string, unknown> = {}) => {
      const request = SearchCommand.onlineUsers();
      Object.assign(request.dictionary, paging, { tag: `u${ask_++}` });
      return usersOf(await ask(b, request));
    };
    const until = async (test: (users: string[]) => boolean) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const users = await online();
        if (test(users)) return users;
        assert.ok(Date.now() < deadline, `online users: ${users}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    {
      await using _a = await connectClient(port, alice);
      const users = await until((users) => users.includes(alice.id.value));
      assert.ok(users.includes(bob.id.value));
      for (const bot of bots) assert.ok(users.includes(bot.id.value));
      assert.equal(users.length, 4);
      assert.deepEqual(await online({ start: 1, limit: 2 }), users.slice(1, 3));
      // `search` with the keywords `users` is the same question
      const request = SearchCommand.query("users");
      request.dictionary.tag = "kw";
      assert.deepEqual(usersOf(await ask(b, request)), users);
    }
    await until((users) => !users.includes(alice.id.value));
  });
});

Deno.test("archivist: contacts are stored for the sender and served back; other titles and commands are not supported", async () => {
  await withStationBots(async ({ port, archivist }) => {
    await using a = await connectClient(port, alice);
    await using b = await connectClient(port, bob);
    const notFound = receiptOf(
      await ask(a, StorageCommand.query("contacts"), archivist.id),
    );
    assert.equal(notFound.text, "Contacts not found.");
    assert.deepEqual(notFound.dictionary.replacements, { did: alice.id.value });
    const upload = StorageCommand.upload(
      "contacts",
      alice.id,
      "ZGF0YQ==",
      "a2V5",
      {
        time: 2000,
      },
    );
    assert.equal(
      receiptOf(await ask(a, upload, archivist.id)).text,
      "Contacts received.",
    );
    const older = StorageCommand.upload("contacts", alice.id, "b2xk", "a2V5", {
      time: 1000,
    });
    assert.equal(
      receiptOf(await ask(a, older, archivist.id)).text,
      "Contacts not changed.",
    );
    const stored = await ask(a, StorageCommand.query("contacts"), archivist.id);
    assert.ok(stored.content instanceof StorageCommand);
    assert.equal(stored.content.data, "ZGF0YQ==");
    // bob has none of alice's
    assert.equal(
      receiptOf(await ask(b, StorageCommand.query("contacts"), archivist.id))
        .text,
      "Contacts not found.",
    );
    const key = receiptOf(
      await ask(a, StorageCommand.query("private_key"), archivist.id),
    );
    assert.equal(key.text, "Command not support.");
    assert.deepEqual(key.dictionary.replacements, { title: "private_key" });
    const unknown = receiptOf(
      await ask(a, Command.named("shout"), archivist.id),
    );
    assert.equal(unknown.text, "Command not support.");
    // a text gets nothing (but the runtime's end-to-end receipt)
    await a.session.send(archivist.id, TextContent.create("hello?"));
    assert.deepEqual(
      await a.quiet(
        (m) =>
          m.sender.equals(archivist.id) &&
          !(m.content instanceof ReceiptCommand &&
            m.content.text === "Message received."),
        300,
      ),
      [],
    );
  });
});

Deno.test("archivist: without a station table of who is online, users lists those it heard from lately", async () => {
  const { tempAccounts } = await import("../client/_accounts.ts");
  await using temp = tempAccounts();
  let now = 1_000_000;
  const bot = await newAccount("archivist", EntityType.BOT);
  const archivist = new Archivist(temp.accounts, {
    id: bot.id,
    station: () => parseId("gsp-s009@wpjUWg1oYDnkHh74tHQFPxii6q9j3ymnyW"),
    now: () => now,
  });
  assert.equal(archivist.onlineTableFresh, false);
  const received = (from: GeneratedAccount, content: Content) =>
    receivedBy(bot, from, content);
  archivist.answer(await received(alice, TextContent.create("hi")));
  now += 200_000;
  const [first] = archivist.answer(
    await received(bob, SearchCommand.onlineUsers()),
  );
  assert.deepEqual(
    (first as SearchCommand).users.map((id) => id.value),
    [alice.id.value, bob.id.value],
  );
  now += 200_000; // alice was heard from 400 s ago: no longer counted
  const [second] = archivist.answer(
    await received(bob, SearchCommand.onlineUsers()),
  );
  assert.deepEqual(
    (second as SearchCommand).users.map((id) => id.value),
    [bob.id.value],
  );
});
