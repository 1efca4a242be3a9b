/**
 * What the page knows of other entities: metas and visas (checked as a DIM
 * client checks them: the meta matches the ID, the visa verifies with the
 * meta key) and group members. Kept in memory; the station answers again
 * after a reload.
 *
 * @module
 */
import {
  checkDocumentAcceptance,
  Document,
  type ID,
  Meta,
} from "../../dimp/identity/mod.ts";
import type { Attachments, EntityDirectory } from "../../dimp/message/mod.ts";

/**
 * An in-memory {@link EntityDirectory} for the browser.
 *
 * @example
 * ```ts ignore
 * const directory = new WebDirectory();
 * await directory.saveMeta(bob, metaDictionary);
 * directory.canEncryptFor(bob); // false until a visa came
 * ```
 */
export class WebDirectory implements EntityDirectory {
  readonly #metas = new Map<string, Meta>();
  readonly #visas = new Map<string, Document>();
  readonly #members = new Map<string, ID[]>();
  readonly #names = new Map<string, string>();

  /** The meta of `id`, if known. */
  meta(id: ID): Promise<Meta | undefined> {
    return Promise.resolve(this.#metas.get(id.withoutTerminal().value));
  }

  /** The newest visa of `id`, if known. */
  visa(id: ID): Promise<Document | undefined> {
    return Promise.resolve(this.#visas.get(id.withoutTerminal().value));
  }

  /** The members of a group (empty when unknown). */
  members(group: ID): Promise<readonly ID[]> {
    return Promise.resolve(this.groupMembers(group));
  }

  /** The members of a group known here (empty when unknown). */
  groupMembers(group: ID): readonly ID[] {
    return this.#members.get(group.value) ?? [];
  }

  /** Sets the members of a group. */
  setMembers(group: ID, members: readonly ID[]): void {
    this.#members.set(group.value, [...members]);
  }

  /** Names a group (its title). */
  setName(group: ID, name: string): void {
    this.#names.set(group.value, name);
  }

  /** Whether the meta of `id` is known. */
  hasMeta(id: ID): boolean {
    return this.#metas.has(id.withoutTerminal().value);
  }

  /** Whether a key to encrypt for `id` is known (its visa key). */
  canEncryptFor(id: ID): boolean {
    return this.#visas.get(id.withoutTerminal().value)?.visaKey() !==
      undefined;
  }

  /** The name in the visa of `id` (a group: its title), if any. */
  nameOf(id: ID): string | undefined {
    return this.#names.get(id.value) ??
      this.#visas.get(id.withoutTerminal().value)?.name;
  }

  /** Saves a meta that matches `id`; `false` when it does not (or was known). */
  async saveMeta(id: ID, value: unknown): Promise<boolean> {
    const owner = id.withoutTerminal();
    if (value === undefined || this.#metas.has(owner.value)) return false;
    try {
      const meta = Meta.parse(value);
      await meta.checkId(owner);
      this.#metas.set(owner.value, meta);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Saves the meta (when given) and every document that verifies and is
   * newer than the one known; `true` when anything changed.
   */
  async saveDocuments(
    id: ID,
    meta: unknown,
    documents: readonly unknown[],
  ): Promise<boolean> {
    const owner = id.withoutTerminal();
    let saved = await this.saveMeta(owner, meta);
    const known = this.#metas.get(owner.value);
    if (known === undefined) return saved;
    for (const value of documents) {
      try {
        const document = Document.parse(value);
        await checkDocumentAcceptance(document, { id: owner, meta: known });
        const name = document.name;
        if (owner.isGroup && name !== undefined) {
          this.#names.set(owner.value, name);
          saved = true;
        }
        if (document.visaKey() === undefined) continue;
        const old = this.#visas.get(owner.value);
        if ((old?.time ?? -1) >= (document.time ?? 0)) continue;
        this.#visas.set(owner.value, document);
        saved = true;
      } catch {
        // not valid for this ID: ignored, as a DIM client does
      }
    }
    return saved;
  }

  /** Saves what a verified message carried. */
  async saveAttachments(sender: ID, found: Attachments): Promise<boolean> {
    return await this.saveDocuments(
      sender,
      found.meta?.toDictionary(),
      found.visa === undefined ? [] : [found.visa.toDictionary()],
    );
  }
}
