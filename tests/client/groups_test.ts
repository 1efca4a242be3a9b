/**
 * The group book (station.md §6.3, messages.md §8.11): who may change a
 * group, and what each group command does, on a real store with real
 * signed messages.
 */
import assert from "node:assert/strict";
import { GroupBook } from "../../client/mod.ts";
import {
  FireCommand,
  GroupCommand,
  HireCommand,
  InviteCommand,
  JoinCommand,
  QueryGroupCommand,
  QuitCommand,
  ResetCommand,
  ResignCommand,
} from "../../dimp/command/mod.ts";
import {
  ANYONE,
  EntityType,
  generateAccount,
  type GeneratedAccount,
  type ID,
} from "../../dimp/identity/mod.ts";
import { MessagePacker, type ReliableMessage } from "../../dimp/message/mod.ts";
import {
  localUser,
  newAccount,
  storePublic,
  tempAccounts,
} from "./_accounts.ts";

const alice = await newAccount("alice");
const bob = await newAccount("bob");
const carol = await newAccount("carol");
const dave = await newAccount("dave");

async function newGroup(founder: GeneratedAccount): Promise<GeneratedAccount> {
  return await generateAccount({
    type: EntityType.GROUP,
    seed: "team",
    founder: { id: founder.id, key: founder.identityKey! },
    properties: { name: "Team" },
  });
}

/** A group command from `from`, as a client packs it (broadcast, group exposed). */
function sent(
  from: GeneratedAccount,
  command: GroupCommand,
  time?: number,
): Promise<ReliableMessage> {
  const packer = new MessagePacker({
    user: localUser(from),
    directory: {
      meta: () => Promise.resolve(undefined),
      visa: () => Promise.resolve(undefined),
      members: () => Promise.resolve([]),
    },
  });
  if (time !== undefined) command.dictionary.time = time;
  return packer.packContent(ANYONE, command, {
    group: command.group,
    time,
  });
}

function values(list: readonly ID[]): string[] {
  return list.map((id) => id.value);
}

async function apply(
  book: GroupBook,
  from: GeneratedAccount,
  command: GroupCommand,
  time?: number,
) {
  return book.apply(command, await sent(from, command, time));
}

Deno.test("group book: the owner founds the group with a reset; the history keeps it", async () => {
  await using temp = tempAccounts();
  const book = new GroupBook(temp.accounts);
  const team = await newGroup(alice);
  const g = team.id;
  assert.equal(book.owner(g), undefined);
  assert.deepEqual(book.members(g), []);
  // unknown group: nobody owns it
  let result = await apply(
    book,
    alice,
    ResetCommand.create(g, [alice.id, bob.id]),
  );
  assert.ok(!result.ok);
  assert.equal(result.refusal.text, "Group empty.");
  assert.deepEqual(result.refusal.replacements, { gid: g.value });
  for (const who of [alice, bob, carol, team]) {
    await storePublic(temp.accounts, who);
  }
  assert.equal(book.owner(g)?.value, alice.id.value);
  assert.deepEqual(
    values(book.members(g)),
    [alice.id.value],
    "the owner alone",
  );
  result = await apply(
    book,
    alice,
    ResetCommand.create(g, [alice.id, bob.id, carol.id]),
  );
  assert.ok(result.ok);
  assert.equal(result.changed, true);
  assert.deepEqual(values(result.before), [alice.id.value]);
  assert.deepEqual(values(book.members(g)), [
    alice.id.value,
    bob.id.value,
    carol.id.value,
  ]);
  assert.ok(book.isMember(g, carol.id));
  assert.ok(!book.isMember(g, dave.id));
  const history = book.history(g);
  assert.deepEqual(history.map((row) => row.command), ["reset"]);
  assert.equal(history[0].sender, alice.id.value);
  assert.equal(typeof history[0].msg.signature, "string");
});

Deno.test("group book: before the bulletin is known, the founder is the user whose meta key is the group's", async () => {
  await using temp = tempAccounts();
  const book = new GroupBook(temp.accounts);
  const team = await newGroup(alice);
  await storePublic(temp.accounts, alice);
  await storePublic(temp.accounts, bob);
  await temp.accounts.saveMeta(team.id, team.meta.toDictionary());
  const forged = await apply(book, bob, ResetCommand.create(team.id, [bob.id]));
  assert.ok(!forged.ok);
  assert.equal(forged.refusal.text, "Group empty.");
  const founded = await apply(
    book,
    alice,
    ResetCommand.create(team.id, [alice.id, bob.id]),
  );
  assert.ok(founded.ok);
  assert.deepEqual(values(book.members(team.id)), [
    alice.id.value,
    bob.id.value,
  ]);
});

Deno.test("group book: forged or wrong resets are refused and change nothing", async () => {
  await using temp = tempAccounts();
  const book = new GroupBook(temp.accounts);
  const team = await newGroup(alice);
  for (const who of [alice, bob, carol, team]) {
    await storePublic(temp.accounts, who);
  }
  const g = team.id;
  await apply(book, alice, ResetCommand.create(g, [alice.id, bob.id]), 100);
  const cases: [GeneratedAccount, GroupCommand, string, string][] = [
    [
      bob,
      ResetCommand.create(g, [alice.id, bob.id, carol.id]),
      "Permission denied.",
      "Not allowed to reset members of group: ${gid}",
    ],
    [
      alice,
      ResetCommand.create(g, [bob.id, alice.id]),
      "Permission denied.",
      "Owner must be the first member of group: ${gid}",
    ],
    [
      alice,
      ResetCommand.create(g, []),
      "Command error.",
      "Group members empty: ${gid}.",
    ],
    [
      carol,
      new GroupCommand({
        type: 137,
        command: "reset",
        members: [carol.id.value],
      }),
      "Command error.",
      "Group command without a group: ${cmd}.",
    ],
    [
      alice,
      GroupCommand.generic("abdicate", g),
      "Command not support.",
      "Group command (name: ${command}) not support yet!",
    ],
  ];
  for (const [who, command, text, template] of cases) {
    const result = await apply(book, who, command, 200);
    assert.ok(!result.ok, template);
    assert.equal(result.refusal.text, text);
    assert.equal(result.refusal.template, template);
  }
  // older than the last reset: expired
  const old = await apply(book, alice, ResetCommand.create(g, [alice.id]), 50);
  assert.ok(!old.ok);
  assert.equal(old.refusal.text, "Command expired.");
  assert.deepEqual(old.refusal.replacements, { cmd: "reset", gid: g.value });
  assert.deepEqual(values(book.members(g)), [alice.id.value, bob.id.value]);
  assert.deepEqual(book.history(g).map((row) => row.command), ["reset"]);
});

Deno.test("group book: invite, join, quit, hire, fire, resign and query follow the permissions", async () => {
  await using temp = tempAccounts();
  const book = new GroupBook(temp.accounts);
  const team = await newGroup(alice);
  for (const who of [alice, bob, carol, dave, team]) {
    await storePublic(temp.accounts, who);
  }
  const g = team.id;
  const members = () => values(book.members(g));
  await apply(book, alice, ResetCommand.create(g, [alice.id, bob.id]), 100);

  // a member's invite waits for review; the owner's adds
  let result = await apply(book, bob, InviteCommand.create(g, [carol.id]));
  assert.ok(result.ok && result.review && !result.changed);
  assert.deepEqual(members(), [alice.id.value, bob.id.value]);
  result = await apply(book, alice, InviteCommand.create(g, [carol.id]));
  assert.ok(result.ok && result.changed);
  assert.deepEqual(members(), [alice.id.value, bob.id.value, carol.id.value]);
  // a stranger may not invite, may join (for review), may not query
  result = await apply(book, dave, InviteCommand.create(g, [dave.id]));
  assert.ok(!result.ok && result.refusal.text === "Permission denied.");
  result = await apply(book, dave, JoinCommand.create(g));
  assert.ok(result.ok && result.review);
  result = await apply(book, dave, QueryGroupCommand.create(g));
  assert.ok(!result.ok);
  assert.equal(
    result.refusal.template,
    "Not allowed to query members of group: ${gid}",
  );
  result = await apply(book, carol, QueryGroupCommand.create(g));
  assert.ok(result.ok && !result.changed);

  // administrators: hired by the owner only, members only
  result = await apply(
    book,
    bob,
    HireCommand.create(g, { administrators: [carol.id] }),
  );
  assert.ok(!result.ok);
  result = await apply(
    book,
    alice,
    HireCommand.create(g, { administrators: [dave.id] }),
  );
  assert.ok(!result.ok, "dave is no member");
  result = await apply(
    book,
    alice,
    HireCommand.create(g, { administrators: [carol.id] }),
  );
  assert.ok(result.ok && result.changed);
  assert.deepEqual(values(book.administrators(g)), [carol.id.value]);
  // an administrator resets, but may not drop an administrator or quit
  result = await apply(book, carol, ResetCommand.create(g, [alice.id, bob.id]));
  assert.ok(!result.ok);
  assert.equal(
    result.refusal.template,
    "Not allowed to expel administrator of group: ${gid}",
  );
  result = await apply(
    book,
    carol,
    ResetCommand.create(g, [alice.id, carol.id, bob.id, dave.id]),
  );
  assert.ok(result.ok && result.changed);
  result = await apply(book, carol, QuitCommand.create(g));
  assert.ok(!result.ok);
  assert.equal(
    result.refusal.template,
    "Administrator cannot quit from group: ${gid}",
  );
  result = await apply(book, carol, ResignCommand.create(g));
  assert.ok(result.ok && result.changed);
  assert.deepEqual(values(book.administrators(g)), []);
  result = await apply(book, carol, ResignCommand.create(g));
  assert.ok(!result.ok, "no longer an administrator");

  // quit: members leave; the owner cannot; strangers are told
  result = await apply(book, bob, QuitCommand.create(g));
  assert.ok(result.ok && result.changed);
  assert.deepEqual(members(), [alice.id.value, carol.id.value, dave.id.value]);
  result = await apply(book, bob, QuitCommand.create(g));
  assert.ok(!result.ok);
  assert.equal(result.refusal.template, "Not a member of group: ${gid}");
  result = await apply(book, alice, QuitCommand.create(g));
  assert.ok(!result.ok);
  assert.equal(result.refusal.template, "Owner cannot quit from group: ${gid}");

  // fire
  await apply(
    book,
    alice,
    HireCommand.create(g, { administrators: [dave.id] }),
  );
  result = await apply(
    book,
    alice,
    FireCommand.create(g, { administrators: [dave.id] }),
  );
  assert.ok(result.ok && result.changed);
  assert.deepEqual(values(book.administrators(g)), []);
  assert.deepEqual(
    book.history(g).map((row) => row.command),
    ["reset", "resign", "quit", "hire", "fire"],
    "the reset dropped what came before it",
  );
});
