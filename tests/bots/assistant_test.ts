/**
 * The group assistant (station.md §6.3) in a real station's process, with
 * real members on the client runtime: a group of three founded through it,
 * a member's message split to the others (one offline, served later), a
 * non-member refused, a member who quits no longer served, forged commands
 * refused, group keys asked for, updated and handed out.
 */
import assert from "node:assert/strict";
import type { RunningBot } from "../../bots/mod.ts";
import { GroupRefusedError, type ReceivedMessage } from "../../client/mod.ts";
import { InviteCommand, ReceiptCommand } from "../../dimp/command/mod.ts";
import {
  CustomizedContent,
  ForwardContent,
  TextContent,
} from "../../dimp/content/mod.ts";
import type { ID } from "../../dimp/identity/mod.ts";
import { connectMember, withStationBots } from "./_world.ts";
import { newAccount } from "../client/_accounts.ts";

const alice = await newAccount("alice");
const bob = await newAccount("bob");
const carol = await newAccount("carol");
const dave = await newAccount("dave");

/** Not the assistant runtime's "Message received." */
const notAck = (receipt: { text: string }) =>
  receipt.text !== "Message received.";

const textOf = (msg: ReceivedMessage) =>
  msg.content instanceof TextContent ? msg.content.text : undefined;

function ids(list: readonly ID[]): string[] {
  return list.map((id) => id.value);
}

/** The members of `group` as the assistant keeps them. */
function kept(assistant: RunningBot, group: ID): string[] {
  return ids(assistant.assistant!.book.members(group));
}

Deno.test("assistant: a group of three — a member's message reaches the two others (one offline, later), the sender gets 'Group message delivering.'", async () => {
  await withStationBots(async ({ port, assistant }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    // carol is known to the station, then goes offline
    {
      await using _c = await connectMember(port, carol);
    }
    const team = await a.groups.create("Team", [bob.id, carol.id]);
    assert.deepEqual(kept(assistant, team), [
      alice.id.value,
      bob.id.value,
      carol.id.value,
    ]);
    assert.deepEqual(
      ids(a.groups.book.members(team)),
      kept(assistant, team),
      "the founder's book agrees",
    );
    const { receipt } = await b.groups.send(
      team,
      TextContent.create("hello team"),
    );
    assert.equal(receipt.text, "Group message delivering.");
    assert.equal(receipt.from.value, assistant.id.value);
    assert.deepEqual(receipt.command.dictionary.replacements, {
      count: "2",
      total: "2",
    });
    assert.equal(receipt.command.dictionary.group, team.value);
    const got = await a.next((m) => textOf(m) === "hello team");
    assert.equal(got.sender.value, bob.id.value);
    assert.equal(got.group?.value, team.value);
    assert.equal(got.reliable.receiver.value, alice.id.value);
    // carol comes back: the station kept her copy
    await using c = await connectMember(port, carol);
    const late = await c.next((m) => textOf(m) === "hello team");
    assert.equal(late.sender.value, bob.id.value);
    assert.equal(late.group?.value, team.value);
    assert.ok(!b.received.some((m) => textOf(m) === "hello team"));
  });
});

Deno.test("assistant: a non-member's group message is refused with 'Permission denied.' and reaches nobody", async () => {
  await withStationBots(async ({ port, assistant }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    await using d = await connectMember(port, dave);
    const team = await a.groups.create("Team", [bob.id]);
    // dave believes he is in it (his book says so) and sends anyway
    d.accounts.store.groupMembers.save(team.value, [
      alice.id.value,
      bob.id.value,
      dave.id.value,
    ]);
    const content = TextContent.create("let me in", { group: team });
    const msg = await d.session.pack(team, content);
    const sent = d.session.track(msg, content.sn);
    await d.session.send(assistant.id, ForwardContent.create([msg]));
    const receipt = await sent.receiptFrom(assistant.id, 5_000);
    assert.equal(receipt.text, "Permission denied.");
    assert.equal(
      receipt.command.dictionary.template,
      "You are not a member of group: ${ID}",
    );
    assert.equal(receipt.command.dictionary.group, team.value);
    // the client API says so too: the history is not given to strangers
    await assert.rejects(
      d.groups.send(team, TextContent.create("again")),
      (e: unknown) =>
        e instanceof GroupRefusedError && e.text === "Permission denied.",
    );
    for (const member of [a, b]) {
      assert.deepEqual(
        await member.quiet((m) => m.sender.equals(dave.id), 300),
        [],
      );
    }
    assert.deepEqual(kept(assistant, team), [alice.id.value, bob.id.value]);
  });
});

Deno.test("assistant: a member who quits stops receiving; the owner cannot quit; a forged reset by a member is refused and changes nothing", async () => {
  await withStationBots(async ({ port, assistant }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    await using c = await connectMember(port, carol);
    const team = await a.groups.create("Team", [bob.id, carol.id]);
    // bob tries to drop carol: only the owner or an administrator may
    await assert.rejects(
      b.groups.remove(team, [carol.id]),
      (e: unknown) =>
        e instanceof GroupRefusedError && e.text === "Permission denied." &&
        e.detail === `Not allowed to reset members of group: ${team.value}`,
    );
    assert.deepEqual(kept(assistant, team), [
      alice.id.value,
      bob.id.value,
      carol.id.value,
    ]);
    await assert.rejects(
      a.groups.quit(team),
      (e: unknown) =>
        e instanceof GroupRefusedError &&
        e.detail === `Owner cannot quit from group: ${team.value}`,
    );
    await b.groups.quit(team);
    assert.deepEqual(kept(assistant, team), [alice.id.value, carol.id.value]);
    const { receipt } = await a.groups.send(
      team,
      TextContent.create("bye bob"),
    );
    assert.deepEqual(receipt.command.dictionary.replacements, {
      count: "1",
      total: "1",
    });
    await c.next((m) => textOf(m) === "bye bob");
    assert.deepEqual(await b.quiet((m) => textOf(m) === "bye bob", 300), []);
    // carol learned the change from the history the assistant sent
    assert.deepEqual(ids(c.groups.book.members(team)), [
      alice.id.value,
      carol.id.value,
    ]);
  });
});

Deno.test("assistant: the owner adds and removes members; a member's invite goes to the owner for review", async () => {
  await withStationBots(async ({ port, assistant }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    await using _d = await connectMember(port, dave);
    const team = await a.groups.create("Team", [bob.id]);
    assert.equal(await b.groups.add(team, [carol.id]), false, "for review");
    const review = await a.next((m) => m.content instanceof InviteCommand);
    assert.equal(review.sender.value, bob.id.value);
    assert.deepEqual(kept(assistant, team), [alice.id.value, bob.id.value]);
    assert.equal(await a.groups.add(team, [dave.id]), true);
    assert.deepEqual(kept(assistant, team), [
      alice.id.value,
      bob.id.value,
      dave.id.value,
    ]);
    assert.deepEqual(ids(await b.groups.members(team)), kept(assistant, team));
    await a.groups.remove(team, [bob.id]);
    assert.deepEqual(kept(assistant, team), [alice.id.value, dave.id.value]);
  });
});

Deno.test("assistant: keys missing for a member are asked of the sender; 'update' merges them; 'request' hands a member its key", async () => {
  await withStationBots(async ({ port, assistant }) => {
    await using a = await connectMember(port, alice);
    await using b = await connectMember(port, bob);
    await using c = await connectMember(port, carol);
    const team = await a.groups.create("Team", [bob.id, carol.id]);
    // alice's book misses carol: her message has no key for carol
    a.accounts.store.groupMembers.save(team.value, [
      alice.id.value,
      bob.id.value,
    ]);
    const content = TextContent.create("partly", { group: team });
    const msg = await a.session.pack(team, content);
    const sent = a.session.track(msg, content.sn);
    await a.session.send(assistant.id, ForwardContent.create([msg]));
    const receipt = await sent.receiptFrom(assistant.id, 5_000);
    assert.deepEqual(receipt.command.dictionary.replacements, {
      count: "1",
      total: "2",
    });
    const query = await a.next((m) =>
      m.content instanceof CustomizedContent && m.content.act === "query"
    );
    const asked = query.content as CustomizedContent;
    assert.equal(asked.mod, "keys");
    assert.deepEqual(ids(asked.to), [carol.id.value]);
    assert.equal(asked.from?.value, alice.id.value);
    await b.next((m) => textOf(m) === "partly");
    // alice answers with carol's key (any base64 stands in for it here)
    const update = CustomizedContent.groupKeys("update", team, {
      from: alice.id,
      keys: { [carol.id.value]: "Y2Fyb2wta2V5" },
    });
    const updated = await a.session.send(assistant.id, update);
    assert.equal(
      (await updated.receiptFrom(assistant.id, 5_000, notAck)).text,
      "Group keys updated.",
    );
    // carol asks for the key of alice's messages
    const request = CustomizedContent.groupKeys("request", team, {
      from: alice.id,
    });
    await c.session.send(assistant.id, request);
    const respond = await c.next((m) =>
      m.content instanceof CustomizedContent && m.content.act === "respond"
    );
    assert.deepEqual((respond.content as CustomizedContent).keys, {
      [carol.id.value]: "Y2Fyb2wta2V5",
    });
    // dave is no member: no key for him
    await using d = await connectMember(port, dave);
    const denied = await d.session.send(assistant.id, request);
    assert.equal(
      (await denied.receiptFrom(assistant.id, 5_000, notAck)).text,
      "Failed to get group key.",
    );
    // a group command sent directly (not forwarded) is applied the same way
    const invite = await d.session.send(
      assistant.id,
      InviteCommand.create(team, [dave.id]),
    );
    const refused = await invite.receiptFrom(assistant.id, 5_000);
    assert.ok(refused.command instanceof ReceiptCommand);
    assert.equal(refused.text, "Permission denied.");
  });
});
