/**
 * DIM messages (Dao-Ke-Dao; spec messages.md §1–§5, §10): the envelope,
 * the instant / secure / reliable stages with their exact dictionaries, the
 * v2.x short names, the per-direction cipher-key cache, the packer that
 * encrypts, signs, verifies and decrypts, and the typed errors. Pure: no
 * sockets, no disk.
 *
 * @example
 * ```ts ignore
 * import { MessagePacker, ReliableMessage } from "./mod.ts";
 *
 * const msg = ReliableMessage.parse(frame); // cheap: routing members only
 * const packer = new MessagePacker({ user, directory });
 * const instant = await packer.unpack(msg); // verify + decrypt
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./short_keys.ts";
export * from "./envelope.ts";
export * from "./instant.ts";
export { SecureMessage } from "./secure.ts";
export * from "./reliable.ts";
export * from "./key_cache.ts";
export * from "./packer.ts";
