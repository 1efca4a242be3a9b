/**
 * The archivist end to end over 100,000 stored documents: a `search`
 * request as it arrives (decrypted) to the answer (`Archivist.answer`: the
 * store's trigram index, the user/bot filter, the response command), and
 * with the reply encrypted and signed for the requester — what one search
 * costs the bot besides the network. Also the `users` answer from the
 * station's table of 10,000 users online. (The index alone: the
 * "search 100k documents" group of store_bench.ts.)
 *
 *     deno bench -A tests/bench/bots_bench.ts
 *
 * @module
 */
import { Archivist } from "../../bots/mod.ts";
import type { ReceivedMessage } from "../../client/mod.ts";
import { SearchCommand } from "../../dimp/command/mod.ts";
import {
  EntityType,
  generateAccount,
  parseId,
} from "../../dimp/identity/mod.ts";
import { MessagePacker } from "../../dimp/message/mod.ts";
import { Accounts, Store } from "../../store/mod.ts";
import { DOCUMENTS, fillDocuments, userIds } from "./_documents.ts";
import { localUser, receivedBy } from "../client/_accounts.ts";

const dir = Deno.makeTempDirSync({ prefix: "dim-bots-bench-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

const store = Store.open({ dataDir: dir });
fillDocuments(store, DOCUMENTS);
const accounts = new Accounts(store);
const station = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
store.onlineUsers.update(
  station.value,
  userIds(10_000),
  [],
);

const bot = await generateAccount({
  type: EntityType.BOT,
  seed: "archivist",
  properties: { name: "archivist" },
});
const bob = await generateAccount({
  type: EntityType.USER,
  properties: { name: "bob" },
});

const atBot = new MessagePacker({
  user: localUser(bot),
  directory: {
    meta: () => Promise.resolve(bob.meta),
    visa: () => Promise.resolve(bob.document),
    members: () => Promise.resolve([]),
  },
});

/** A request as the bot's session hands it over. */
function request(command: SearchCommand): Promise<ReceivedMessage> {
  return receivedBy(bot, bob, command);
}

const archivist = new Archivist(accounts, {
  id: bot.id,
  station: () => station,
});
const rare = await request(SearchCommand.query("needle"));
const common = await request(SearchCommand.query("kalo"));
const page20 = await request(SearchCommand.query("kalo", { start: 950 }));
const two = await request(SearchCommand.query("zen ruto"));
const online = await request(SearchCommand.onlineUsers());

for (
  const [label, msg] of [
    ["rare keyword (1 hit)", rare],
    ["common keyword, first page of 50", common],
    ["common keyword, page 20 of 50", page20],
    ["two keywords", two],
    ["users: the first 100 of 10,000 online", online],
  ] as const
) {
  Deno.bench({
    name: `archivist answer: ${label}`,
    group: "archivist over 100k documents",
    baseline: label.startsWith("rare"),
    fn() {
      archivist.answer(msg);
    },
  });
}

Deno.bench({
  name: "archivist answer + reply encrypted and signed: rare keyword",
  group: "archivist end to end",
  baseline: true,
  async fn() {
    const [reply] = archivist.answer(rare);
    await atBot.packContent(bob.id, reply);
  },
});

Deno.bench({
  name: "archivist answer + reply encrypted and signed: first page of 50",
  group: "archivist end to end",
  async fn() {
    const [reply] = archivist.answer(common);
    await atBot.packContent(bob.id, reply);
  },
});
