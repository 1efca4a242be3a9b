/**
 * DIM contents (spec messages.md §6, §7): the content base class with its
 * type table, every content type, the compatibility normalisation in and
 * out (§11), and the factory that maps a dictionary to its class (commands
 * are in `../command/`). Unknown types stay plain `Content` objects.
 *
 * @example
 * ```ts
 * import { incomingCompat, parseContent, TextContent } from "./mod.ts";
 *
 * const hello = TextContent.create("Hello");
 * const wire = JSON.stringify(hello.dictionary);
 * parseContent(incomingCompat(JSON.parse(wire))) instanceof TextContent; // true
 * ```
 *
 * @module
 */
export * from "./content_type.ts";
export * from "./serial_number.ts";
export * from "./content.ts";
export * from "./text.ts";
export * from "./file.ts";
export * from "./page.ts";
export * from "./name_card.ts";
export * from "./quote.ts";
export * from "./money.ts";
export * from "./customized.ts";
export * from "./forward.ts";
export * from "./array.ts";
export * from "./combine.ts";
export * from "./compat.ts";
export * from "./factory.ts";
