/**
 * `messages.json` `contents[]`, `incoming_compat[]` and the 2021 contents:
 * our constructors produce the reference's outgoing form from the same
 * inputs, the compatibility rules map outgoing ↔ incoming exactly, and every
 * dictionary parses to its class with the right accessors.
 */
import assert from "node:assert/strict";
import {
  AnsCommand,
  BlockCommand,
  DocumentCommand,
  ExpelCommand,
  FireCommand,
  HandshakeCommand,
  HireCommand,
  InviteCommand,
  JoinCommand,
  LoginCommand,
  MetaCommand,
  MuteCommand,
  purifyEnvelope,
  QuitCommand,
  ReceiptCommand,
  ReportCommand,
  ResetCommand,
  ResignCommand,
  StorageCommand,
} from "../../../dimp/command/mod.ts";
import {
  ArrayContent,
  AudioContent,
  Content,
  type ContentOptions,
  ContentType,
  CustomizedContent,
  FileContent,
  ForwardContent,
  ImageContent,
  incomingCompat,
  MoneyContent,
  NameCardContent,
  outgoingCompat,
  PageContent,
  parseContent,
  QuoteContent,
  type QuoteOrigin,
  TextContent,
  TransferContent,
  VideoContent,
} from "../../../dimp/content/mod.ts";
import { PortableNetworkFile } from "../../../dimp/crypto/mod.ts";
import { Document, parseId } from "../../../dimp/identity/mod.ts";
import { ReliableMessage } from "../../../dimp/message/mod.ts";
import { type Json, messagesFile } from "../message/_fixtures.ts";

const file = messagesFile();
const alice = parseId(file.accounts.alice.id);
const bob = parseId(file.accounts.bob.id);
const carol = parseId(file.accounts.carol.id);
const team = parseId(file.accounts.group.id);

type Class = abstract new (...args: never[]) => Content;

/** The reference class names and ours. */
const CLASSES: Record<string, Class> = {
  BaseTextContent: TextContent,
  BaseFileContent: FileContent,
  ImageFileContent: ImageContent,
  AudioFileContent: AudioContent,
  VideoFileContent: VideoContent,
  WebPageContent: PageContent,
  NameCardContent: NameCardContent,
  BaseQuoteContent: QuoteContent,
  BaseMoneyContent: MoneyContent,
  TransferMoneyContent: TransferContent,
  AppCustomizedContent: CustomizedContent,
  SecretContent: ForwardContent,
  ListContent: ArrayContent,
  BaseHandshakeCommand: HandshakeCommand,
  LoginCommand: LoginCommand,
  ReportCommand: ReportCommand,
  BaseMetaCommand: MetaCommand,
  BaseDocumentCommand: DocumentCommand,
  BaseReceiptCommand: ReceiptCommand,
  BlockCommand: BlockCommand,
  MuteCommand: MuteCommand,
  AnsCommand: AnsCommand,
  InviteGroupCommand: InviteCommand,
  ExpelGroupCommand: ExpelCommand,
  JoinGroupCommand: JoinCommand,
  QuitGroupCommand: QuitCommand,
  ResetGroupCommand: ResetCommand,
  HireGroupCommand: HireCommand,
  FireGroupCommand: FireCommand,
  ResignGroupCommand: ResignCommand,
};

/**
 * The class a dictionary must parse to. The reference parses an
 * outgoing-form `document` command as a generic `BaseCommand` because its
 * compatibility runs before its factory; ours recognises the legacy name
 * too (spec §8.5: MUST accept `document`).
 */
function expectedClass(parsedAs: string, label: string): Class {
  if (parsedAs === "BaseCommand" && label.startsWith("documents/")) {
    return DocumentCommand;
  }
  const found = CLASSES[parsedAs];
  if (found === undefined) throw new Error(`no class for ${parsedAs}`);
  return found;
}

const FILE_TYPES: Record<string, number> = {
  file: ContentType.FILE,
  image: ContentType.IMAGE,
  audio: ContentType.AUDIO,
  video: ContentType.VIDEO,
};

/** Our constructor for each vector, from the vector's own inputs. */
function build(label: string, b: Json, o: ContentOptions): Content {
  const s = (name: string) => b[name] as string;
  switch (label) {
    case "text":
      return TextContent.create(s("text"), o);
    case "file":
    case "image":
    case "audio":
    case "video":
      return FileContent.create(
        PortableNetworkFile.fromUrl(s("URL"), {
          filename: s("filename"),
          key: b.key as Json,
        }),
        o,
        FILE_TYPES[label] as typeof ContentType.FILE,
      );
    case "page":
      return PageContent.create(s("URL"), s("title"), {
        ...o,
        desc: s("desc"),
      });
    case "name-card":
      return NameCardContent.create(parseId(s("did")), s("name"), o);
    case "quote":
      return QuoteContent.create(s("text"), b.origin as QuoteOrigin, o);
    case "money":
      return MoneyContent.create(s("currency"), b.amount as number, o);
    case "transfer":
      return TransferContent.create(s("currency"), b.amount as number, o);
    case "customized":
      return CustomizedContent.create(s("app"), s("mod"), s("act"), {}, o);
    case "forward":
      return ForwardContent.create([b.forward as Json], o);
    case "array":
      return ArrayContent.create(
        (b.contents as Json[]).map((c) => new Content(c)),
        o,
      );
    case "handshake/start":
      return HandshakeCommand.offer(undefined, o);
    case "handshake/again":
      return HandshakeCommand.again(s("session"), o);
    case "handshake/restart":
      return HandshakeCommand.offer(s("session"), o);
    case "handshake/success":
      return HandshakeCommand.success(s("session"), o);
    case "login": {
      const station = b.station as Json;
      return LoginCommand.create(parseId(s("did")), {
        ...o,
        agent: s("agent"),
        station: {
          id: parseId(station.did as string),
          host: station.host as string,
          port: station.port as number,
        },
      });
    }
    case "report/online":
      return ReportCommand.online(o);
    case "report/offline":
      return ReportCommand.offline(o);
    case "meta/query":
      return MetaCommand.query(parseId(s("did")), o);
    case "meta/response":
      return MetaCommand.response(parseId(s("did")), b.meta as Json, o);
    case "documents/query":
      return DocumentCommand.query(
        parseId(s("did")),
        b.last_time as number,
        o,
      );
    case "documents/response":
      return DocumentCommand.response(
        parseId(s("did")),
        b.meta as Json,
        (b.documents as Json[]).map((d) => Document.parse(d)),
        o,
      );
    case "receipt/station":
    case "receipt/peer": {
      const { sn, ...envelope } = b.origin as Json;
      const extra = b.recipient === undefined
        ? undefined
        : { recipient: b.recipient };
      return ReceiptCommand.create(s("text"), envelope, {
        ...o,
        originSn: sn as number | undefined,
        extra,
      });
    }
    case "block/upload":
      return BlockCommand.upload([carol], o);
    case "block/query":
      return BlockCommand.query(o);
    case "mute/upload":
      return MuteCommand.upload([carol], o);
    case "ans/query":
      return AnsCommand.query(["archivist", "announcer"], o);
    case "ans/response":
      return AnsCommand.response(
        ["archivist", "announcer"],
        { archivist: bob },
        [],
        o,
      );
    case "group/invite":
      return InviteCommand.create(team, [carol], o);
    case "group/expel":
      return ExpelCommand.create(team, [carol], o);
    case "group/join":
      return JoinCommand.create(team, o);
    case "group/quit":
      return QuitCommand.create(team, o);
    case "group/reset":
      return ResetCommand.create(team, [alice, bob, carol], o);
    case "group/hire":
      return HireCommand.create(team, { administrators: [bob] }, o);
    case "group/fire":
      return FireCommand.create(team, { assistants: [carol] }, o);
    case "group/resign":
      return ResignCommand.create(team, o);
    case "group/history-query":
      return CustomizedContent.groupHistoryQuery(
        team,
        b.last_time as number,
        o,
      );
    case "group/keys-query":
      return CustomizedContent.groupKeys("query", team, {
        from: alice,
        to: [bob],
        digest: s("digest"),
      }, o);
  }
  throw new Error(`no builder for ${label}`);
}

/** Accessor checks on the parsed incoming form. */
function checkAccessors(label: string, c: Content, b: Json): void {
  // the outgoing receipt compat replaces the own sn by origin.sn (spec §13.5)
  const originSn = c instanceof ReceiptCommand
    ? (b.origin as Json).sn
    : undefined;
  assert.equal(c.sn, originSn ?? b.sn);
  assert.equal(c.time, b.time as number);
  if (c instanceof TextContent) assert.equal(c.text, b.text);
  if (c instanceof FileContent) {
    assert.equal(c.url, b.URL);
    assert.equal(c.filename, b.filename);
    assert.deepEqual(c.key()?.toDictionary(), b.key);
    assert.equal(c.file.url, b.URL);
  }
  if (c instanceof HandshakeCommand) {
    assert.equal(c.title, b.title);
    assert.equal(c.session, b.session);
    assert.equal(c.state, label.slice("handshake/".length));
  }
  if (c instanceof LoginCommand) {
    assert.equal(c.identifier?.value, alice.value);
    assert.equal(c.stationPort, 9394);
    assert.equal(c.agent, b.agent);
  }
  if (c instanceof ReportCommand) assert.equal(c.presence, b.title);
  if (c instanceof MetaCommand) {
    assert.equal(c.identifier?.value, bob.value);
    if (label === "meta/response") assert.ok(c.meta()?.key);
  }
  if (c instanceof DocumentCommand) {
    assert.equal(c.identifier?.value, bob.value);
    assert.equal(c.isQuery, label === "documents/query");
    for (const d of c.documents) {
      assert.equal(Document.parse(d).id.value, bob.value);
    }
  }
  if (c instanceof ReceiptCommand) {
    assert.equal(c.text, b.text);
    assert.equal(c.originalSender?.value, alice.value);
    assert.equal(c.originalSignature, (b.origin as Json).signature);
    assert.equal(c.originalSn, (b.origin as Json).sn);
  }
  if (c instanceof BlockCommand || c instanceof MuteCommand) {
    assert.equal(c.isUpload, label !== "block/query");
    assert.deepEqual(c.list.map(String), (b.list as string[]) ?? []);
  }
  if (c instanceof AnsCommand) {
    assert.deepEqual(c.names, ["archivist", "announcer"]);
    assert.deepEqual(c.records, b.records);
  }
  if (c instanceof InviteCommand || c instanceof ResetCommand) {
    assert.deepEqual(c.members.map(String), b.members);
    assert.equal(c.group?.value, team.value);
  }
  if (c instanceof HireCommand || c instanceof FireCommand) {
    assert.deepEqual(c.administrators.map(String), b.administrators ?? []);
    assert.deepEqual(c.assistants.map(String), b.assistants ?? []);
  }
  if (c instanceof CustomizedContent) {
    assert.equal(c.app, b.app);
    assert.equal(c.act, b.act);
  }
  if (c instanceof ForwardContent) {
    const inner = ReliableMessage.parse(c.messages[0]);
    assert.equal(inner.sender.value, alice.value);
  }
  if (c instanceof ArrayContent) {
    assert.ok(
      c.contents.map(parseContent).every((x) => x instanceof TextContent),
    );
  }
  if (c instanceof QuoteContent) assert.equal(c.originSn, 1234567890);
  if (c instanceof TransferContent) assert.equal(c.amount, 2);
  if (c instanceof NameCardContent) {
    assert.equal(c.identifier?.value, bob.value);
  }
  if (c instanceof PageContent) assert.equal(c.title, b.title);
}

for (const v of file.contents) {
  Deno.test(`contents ${v.label}: our constructor gives the reference outgoing form`, () => {
    const o = { sn: v.built.sn as number, time: v.built.time as number };
    const ours = build(v.label, structuredClone(v.built), o);
    outgoingCompat(ours.dictionary);
    assert.deepEqual(ours.dictionary, v.outgoing);
    assert.deepEqual(JSON.parse(v.serialized), v.outgoing);
  });

  Deno.test(`contents ${v.label}: the reference object through our outgoing compat`, () => {
    assert.deepEqual(outgoingCompat(structuredClone(v.built)), v.outgoing);
    // idempotent
    assert.deepEqual(outgoingCompat(structuredClone(v.outgoing)), v.outgoing);
  });

  Deno.test(`contents ${v.label}: incoming compat and parsed class (${v.parsed_as})`, () => {
    const incoming = incomingCompat(structuredClone(v.outgoing));
    assert.deepEqual(incoming, v.incoming_normalized ?? v.outgoing);
    const content = parseContent(incoming);
    assert.ok(
      content instanceof expectedClass(v.parsed_as, v.label),
      `${v.label} parsed as ${content.constructor.name}`,
    );
    assert.equal(content.type, Number(v.built.type));
    checkAccessors(v.label, content, v.built);
  });
}

for (const v of file.incoming_compat) {
  Deno.test(`incoming_compat ${v.label}: normalised and parsed as ${v.parsed_as}`, () => {
    const incoming = incomingCompat(structuredClone(v.received));
    assert.deepEqual(incoming, v.normalized);
    const content = parseContent(incoming);
    assert.ok(content instanceof expectedClass(v.parsed_as, v.label));
    if (content instanceof MetaCommand) {
      assert.equal(content.identifier?.value, bob.value);
      assert.equal(content.name, "meta");
    }
    if (content instanceof DocumentCommand) {
      assert.equal(content.documents.length, 1);
      assert.equal(Document.parse(content.documents[0]).id.value, bob.value);
    }
    if (content instanceof ReportCommand) {
      assert.equal(content.presence, "offline");
    }
    if (content instanceof FileContent) {
      assert.equal(content.key()?.algorithm, "AES");
    }
    if (content instanceof TextContent) assert.equal(content.text, "hi");
  });
}

const legacy = file.legacy2021;
const legacyAlice = parseId(legacy.accounts.alice21.id);
const legacyBob = parseId(legacy.accounts.bob21.id);
const legacyCarol = parseId(legacy.accounts.carol21.id);
const legacyMessage = ReliableMessage.parse(
  legacy.messages.find((m) => m.label === "2021/personal-text")!.wire,
);

const LEGACY_CHECKS: Record<string, (c: Content) => void> = {
  "2021/handshake-start": (c) => {
    assert.ok(c instanceof HandshakeCommand);
    assert.equal(c.title, "Hello world!");
    assert.equal(c.state, "start");
  },
  "2021/handshake-again": (c) => {
    assert.ok(c instanceof HandshakeCommand);
    assert.equal(c.state, "again");
    assert.equal(c.session, "8b0a2ef3e8a9f1c4");
  },
  "2021/handshake-success": (c) => {
    assert.ok(c instanceof HandshakeCommand);
    assert.equal(c.state, "success");
    assert.equal(c.session, undefined);
  },
  "2021/login": (c) => {
    assert.ok(c instanceof LoginCommand);
    assert.equal(c.identifier?.value, legacyAlice.value);
    assert.equal(c.dictionary.did, legacyAlice.value);
  },
  "2021/receipt-station": (c) => {
    assert.ok(c instanceof ReceiptCommand);
    assert.equal(c.text, "Message delivered to 1 session(s)");
    assert.equal(c.originalSender?.value, legacyAlice.value);
    assert.ok(c.matches(legacyMessage));
  },
  "2021/receipt-sdk-ctor": (c) => {
    assert.ok(c instanceof ReceiptCommand);
    assert.equal(c.text, "Message received");
    assert.equal(c.originalReceiver?.value, legacyBob.value);
    assert.ok(c.matches(legacyMessage));
  },
  "2021/meta-query": (c) => {
    assert.ok(c instanceof MetaCommand);
    assert.equal(c.identifier?.value, legacyBob.value);
  },
  "2021/document-query": (c) => {
    assert.ok(c instanceof DocumentCommand);
    assert.ok(c.isQuery);
    assert.equal(c.identifier?.value, legacyBob.value);
  },
  "2021/document-response": (c) => {
    assert.ok(c instanceof DocumentCommand);
    assert.equal(c.dictionary.command, "documents");
    assert.equal(Document.parse(c.documents[0]).name, "Bob 2021");
  },
  "2021/group-invite": (c) => {
    assert.ok(c instanceof InviteCommand);
    assert.deepEqual(c.members.map(String), [legacyCarol.value]);
    assert.equal(c.dictionary.cmd, "invite");
  },
  "2021/group-quit": (c) => {
    assert.ok(c instanceof QuitCommand);
    assert.equal(c.group?.value, legacy.group.id);
  },
  "2021/block": (c) => {
    assert.ok(c instanceof BlockCommand);
    assert.deepEqual(c.list.map(String), [legacyCarol.value]);
  },
  "2021/mute": (c) => {
    assert.ok(c instanceof MuteCommand);
    assert.ok(c.isUpload);
  },
  "2021/storage-contacts-query": (c) => {
    assert.ok(c instanceof StorageCommand);
    assert.equal(c.title, "contacts");
    assert.ok(!c.isUpload);
  },
};

for (const v of legacy.contents) {
  Deno.test(`legacy2021 content ${v.label}: parsed and read`, () => {
    const check = LEGACY_CHECKS[v.label];
    assert.ok(check, `no check for ${v.label}`);
    const content = parseContent(incomingCompat(JSON.parse(v.json)));
    check(content);
    // what we would send on for it is readable by 2021 and today's clients
    const out = outgoingCompat(structuredClone(content.dictionary));
    assert.equal(typeof out.type, "number");
    if (content.type === ContentType.COMMAND) {
      assert.equal(out.cmd, out.command);
    }
  });
}

Deno.test("ReceiptCommand.create: an envelope purified earlier is taken as origin, the same receipt as from the message", () => {
  const origin = purifyEnvelope(legacyMessage);
  assert.equal(origin.data, undefined);
  const options = { sn: 7, time: 1.5, extra: { recipient: legacyBob.value } };
  const later = ReceiptCommand.create("Message delivered.", undefined, {
    ...options,
    origin,
  });
  assert.equal(later.dictionary.origin, origin); // not copied again
  assert.equal(
    JSON.stringify(later),
    JSON.stringify(
      ReceiptCommand.create("Message delivered.", legacyMessage, options),
    ),
  );
  assert.ok(later.matches(legacyMessage));
});
