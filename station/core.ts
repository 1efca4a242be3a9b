/**
 * What the content processors see of the station: the request being
 * processed and the station's parts.
 *
 * @module
 */
import type { Content } from "../dimp/content/mod.ts";
import type { ID } from "../dimp/identity/mod.ts";
import type { ReliableMessage } from "../dimp/message/mod.ts";
import type { Accounts, Store } from "../store/mod.ts";
import type { AnsBook } from "./ans.ts";
import type { BlockLists } from "./block_lists.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { NeighbourQueries } from "./neighbour_queries.ts";
import type { StationIdentity } from "./identity.ts";
import type { StationLog } from "../client/log.ts";
import type { StationMessenger } from "./messenger.ts";
import type { OfflineDelivery } from "./offline.ts";
import type { Session } from "./session.ts";
import type { SessionCenter } from "./session_center.ts";
import type { StationStats } from "./stats.ts";

/** A message the station processes itself. */
export interface Request {
  /** The session it came through. */
  readonly session: Session;
  /** The reliable message (with this station in its `traces`). */
  readonly msg: ReliableMessage;
  /** Its sender (naked). */
  readonly sender: ID;
  /** How deep inside `forward` / `array` contents (0: received directly). */
  readonly depth: number;
}

/** The station's parts. */
export interface StationParts {
  /** The station's identity. */
  readonly identity: StationIdentity;
  /** The validating account facade (metas, documents, keys). */
  readonly accounts: Accounts;
  /** The store (logins, user commands, messages). */
  readonly store: Store;
  /** The session registry. */
  readonly center: SessionCenter;
  /** Delivery. */
  readonly dispatcher: Dispatcher;
  /** Offline messages. */
  readonly offline: OfflineDelivery;
  /** Name records. */
  readonly ans: AnsBook;
  /** Cached block lists. */
  readonly blocks: BlockLists;
  /** The station's packer. */
  readonly messenger: StationMessenger;
  /** Counters. */
  readonly stats: StationStats;
  /** The log. */
  readonly log: StationLog;
}

/** The station's parts and what the processors may ask of the pipeline. */
export interface StationCore extends StationParts {
  /** Asks the neighbours for metas and documents missing here (§4.13). */
  readonly queries: NeighbourQueries;
  /** Processes a message as if it arrived on `session` (forward contents). */
  process(
    session: Session,
    msg: ReliableMessage,
    depth: number,
  ): Promise<ReliableMessage[]>;
  /** Processes one content of a request (array contents). */
  processContent(content: Content, request: Request): Promise<Content[]>;
  /** A handshake bound the session: deliver stored and suspended messages. */
  bound(session: Session): void;
  /** The session became active again: deliver stored messages. */
  activated(session: Session): void;
}

/**
 * Handles one kind of content addressed to the station; returns the reply
 * contents (each becomes its own message to the requester).
 *
 * @example
 * ```ts ignore
 * const ping: ContentProcessor = (_content, request) => [TextContent.create(`hi ${request.sender.value}`)];
 * ```
 */
export type ContentProcessor = (
  content: Content,
  request: Request,
  core: StationCore,
) => Content[] | Promise<Content[]>;
