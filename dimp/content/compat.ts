/**
 * Compatibility normalisation of contents and attachments (spec messages.md
 * §11; dimples `compatible.py` behaviour). Incoming: applied to every
 * decrypted content before it is dispatched, so readers see today's names.
 * Outgoing: applied to every content we serialise, so 2021 and 1.x clients
 * read it too. Both work in place on the dictionary, as the reference does.
 *
 * @module
 */
import { CommandName } from "../command/command.ts";
import { Document, newestDocument, parseMetaType } from "../identity/mod.ts";
import { ContentType, parseContentType } from "./content_type.ts";
import { isRecord } from "./_values.ts";

const FILE_TYPES: ReadonlySet<number> = new Set([
  ContentType.FILE,
  ContentType.IMAGE,
  ContentType.AUDIO,
  ContentType.VIDEO,
]);

const DOCUMENT_COMMANDS: ReadonlySet<string> = new Set([
  CommandName.DOCUMENTS,
  CommandName.DOCUMENT,
  CommandName.PROFILE,
  CommandName.VISA,
  CommandName.BULLETIN,
]);

const REPORT_COMMANDS: ReadonlySet<string> = new Set([
  CommandName.REPORT,
  CommandName.ONLINE,
  CommandName.OFFLINE,
  CommandName.BROADCAST,
]);

/** `command` ↔ `cmd`: fill whichever is missing. */
function fixCommandName(content: Record<string, unknown>): void {
  if (content.command === undefined) {
    if (content.cmd !== undefined) content.command = content.cmd;
  } else if (content.cmd === undefined) {
    content.cmd = content.command;
  }
}

/** `did` ↔ `ID`: fill whichever is missing. */
function fixDid(dict: Record<string, unknown>): void {
  if (dict.did === undefined) {
    if (dict.ID !== undefined) dict.did = dict.ID;
  } else if (dict.ID === undefined) {
    dict.ID = dict.did;
  }
}

/** File contents: `key` ↔ `password`. */
function fixFileKey(content: Record<string, unknown>): void {
  if (content.key !== undefined && content.key !== null) {
    content.password = content.key;
  } else if (content.password !== undefined && content.password !== null) {
    content.key = content.password;
  }
}

/**
 * The fixes of file contents (`key`↔`password`) and name cards
 * (`did`↔`ID`), the same in both directions; whether `type` was one of them.
 */
function fixFileOrCard(
  content: Record<string, unknown>,
  type: number | undefined,
): boolean {
  if (type !== undefined && FILE_TYPES.has(type)) {
    fixFileKey(content);
    return true;
  }
  if (type === ContentType.NAME_CARD) {
    fixDid(content);
    return true;
  }
  return false;
}

/**
 * A meta dictionary gets integer `type` and `version` (same value); a long
 * type name (`"MKM"`) is also kept as `algorithm`.
 */
export function fixMetaVersion(meta: Record<string, unknown>): void {
  let version = meta.type;
  if (version === undefined || version === null) {
    version = meta.version;
  } else if (
    typeof version === "string" && meta.algorithm === undefined &&
    version.length > 2
  ) {
    meta.algorithm = version;
  }
  const type = parseMetaType(version);
  if (type !== undefined) {
    meta.type = type;
    meta.version = type;
  }
}

/**
 * Normalises the attachments of a reliable message in place: the meta gets
 * integer `type` + `version`, the visa both `did` and `ID`.
 */
export function fixAttachments(message: Record<string, unknown>): void {
  if (isRecord(message.meta)) fixMetaVersion(message.meta);
  if (isRecord(message.visa)) fixDid(message.visa);
}

/**
 * Incoming normalisation, in place: file `key`↔`password`, name card
 * `did`↔`ID`, command `cmd`↔`command` (group commands too), login
 * `did`↔`ID`, `document` → `documents: [...]` (command renamed), meta and
 * documents `did`↔`ID` and meta `type`↔`version`. A content `type` is left
 * as received.
 *
 * @example
 * ```ts
 * incomingCompat({ type: 136, cmd: "meta", ID: "bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ" }); // + command: "meta", did
 * ```
 */
export function incomingCompat(
  content: Record<string, unknown>,
): Record<string, unknown> {
  const type = parseContentType(content.type);
  if (fixFileOrCard(content, type)) return content;
  if (type === ContentType.COMMAND || type === ContentType.HISTORY) {
    fixCommandName(content);
  }
  const name = content.command;
  if (typeof name !== "string" || name === "") return content;
  if (name === CommandName.LOGIN) {
    fixDid(content);
    return content;
  }
  if (name === CommandName.DOCUMENTS || name === CommandName.DOCUMENT) {
    if (name === CommandName.DOCUMENT) content.command = CommandName.DOCUMENTS;
    if (isRecord(content.document)) {
      fixDid(content.document);
      content.documents = [content.document];
      delete content.document;
    }
  }
  if (
    name === CommandName.META || name === CommandName.DOCUMENTS ||
    name === CommandName.DOCUMENT
  ) {
    fixDid(content);
    if (isRecord(content.meta)) fixMetaVersion(content.meta);
  }
  return content;
}

/**
 * Outgoing normalisation, in place: integer `type`; file `key` +
 * `password`; name card `did` + `ID`; command `cmd` + `command`; receipt
 * `origin` + `envelope` + top-level `sender`, `receiver`, `sn`, `signature`
 * (note: `origin.sn` replaces the receipt's own `sn`, as the reference
 * does); login `did` + `ID` (also in `station` and `provider`); report
 * `state` / legacy names → `title`; documents → command `document` with the
 * newest document under `document` (`documents` dropped when it had one);
 * meta `did` + `ID` and meta `type` + `version`.
 *
 * @example
 * ```ts
 * import { HandshakeCommand } from "../command/mod.ts";
 * outgoingCompat(HandshakeCommand.offer().dictionary); // adds cmd: "handshake"
 * ```
 */
export function outgoingCompat(
  content: Record<string, unknown>,
): Record<string, unknown> {
  const type = parseContentType(content.type);
  if (type !== undefined) content.type = type;
  if (fixFileOrCard(content, type)) return content;
  if (type !== ContentType.COMMAND && type !== ContentType.HISTORY) {
    return content;
  }
  fixCommandName(content);
  const name = content.command;
  if (name === CommandName.RECEIPT) {
    fixReceipt(content);
  } else if (name === CommandName.LOGIN) {
    fixDid(content);
    if (isRecord(content.station)) fixDid(content.station);
    if (isRecord(content.provider)) fixDid(content.provider);
  } else if (typeof name === "string" && REPORT_COMMANDS.has(name)) {
    fixReport(content, name);
  } else if (typeof name === "string" && DOCUMENT_COMMANDS.has(name)) {
    fixDocumentsOut(content);
    fixDid(content);
    if (isRecord(content.meta)) fixMetaVersion(content.meta);
  } else if (name === CommandName.META) {
    fixDid(content);
    if (isRecord(content.meta)) fixMetaVersion(content.meta);
  }
  return content;
}

const RECEIPT_COPIES = ["sender", "receiver", "sn", "signature"];

function fixReceipt(content: Record<string, unknown>): void {
  let origin: Record<string, unknown>;
  if (isRecord(content.origin)) {
    origin = content.origin;
    content.envelope = origin;
  } else if (isRecord(content.envelope)) {
    origin = content.envelope;
    content.origin = origin;
  } else if (content.sender !== undefined) {
    origin = {};
    for (const name of ["sender", "receiver", "time", "sn", "signature"]) {
      if (content[name] !== undefined) origin[name] = content[name];
    }
    content.origin = origin;
    content.envelope = origin;
    return;
  } else {
    return;
  }
  for (const name of RECEIPT_COPIES) {
    const value = origin[name];
    if (value !== undefined && value !== null) content[name] = value;
  }
}

function fixReport(content: Record<string, unknown>, name: string): void {
  if (content.state === "background") {
    content.title = CommandName.OFFLINE;
  } else if (content.state === "foreground") {
    content.title = CommandName.ONLINE;
  } else if (content.title === undefined && name !== CommandName.REPORT) {
    content.title = name;
  }
}

function fixDocumentsOut(content: Record<string, unknown>): void {
  // 1.x `profile` → `document`
  if (content.document === undefined && content.profile !== undefined) {
    const profile = content.profile;
    delete content.profile;
    content.document = isRecord(profile) ? profile : {
      ID: content.did ?? content.ID,
      data: profile,
      signature: content.signature,
    };
  }
  if (content.command === CommandName.DOCUMENTS) {
    content.command = CommandName.DOCUMENT;
    content.cmd = CommandName.DOCUMENT;
  }
  if (Array.isArray(content.documents)) {
    const parsed = new Map<Document, Record<string, unknown>>();
    for (const dict of content.documents) {
      try {
        parsed.set(Document.parse(dict, { allowUnknown: true }), dict);
      } catch {
        // a document that does not parse is not chosen (it stays in the list)
      }
    }
    const newest = newestDocument(parsed.keys());
    if (newest !== undefined) content.document = parsed.get(newest);
    if (parsed.size === 1) delete content.documents;
  }
  if (isRecord(content.document)) fixDid(content.document);
}
