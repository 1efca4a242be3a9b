/**
 * DIM identity (Ming-Ke-Ming): entity types, IDs, addresses, metas and
 * documents with the exact rules of the DIM references (spec identity.md
 * §4–§7, §9). Pure: no sockets, no disk.
 *
 * @example
 * ```ts
 * import { Document, Meta, parseId } from "./mod.ts";
 *
 * const id = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
 * const meta = Meta.parse(metaJson);
 * await meta.checkId(id);
 * await Document.parse(visaJson).checkSignature(meta.key);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./entity_type.ts";
export * from "./address.ts";
export * from "./id.ts";
export * from "./meta.ts";
export * from "./document.ts";
export * from "./document_policy.ts";
export * from "./account.ts";
