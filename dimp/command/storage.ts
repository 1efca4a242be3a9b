/**
 * The storage command (spec messages.md §8.10, station.md §6.2): contacts or
 * private-key backup, encrypted by the owner.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import { readId, readString } from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

/**
 * `{"command": "storage", "title": "contacts" | "private_key", "ID", "data",
 * "key"}`: with `data` an upload, without a query. The 2021 command name
 * `contacts` is parsed as storage too.
 *
 * @example
 * ```ts
 * StorageCommand.query("contacts").isUpload; // false
 * ```
 */
export class StorageCommand extends Command {
  /** Asks for the stored item `title`. */
  static query(title: string, options: ContentOptions = {}): StorageCommand {
    return new StorageCommand(
      Command.buildCommand(CommandName.STORAGE, { title }, options),
    );
  }

  /** Uploads `data` (base64 ciphertext) with its RSA-encrypted `key`. */
  static upload(
    title: string,
    owner: ID,
    data: string,
    key: string,
    options: ContentOptions = {},
  ): StorageCommand {
    return new StorageCommand(
      Command.buildCommand(
        CommandName.STORAGE,
        { title, ID: owner.value, data, key },
        options,
      ),
    );
  }

  /** The title (`contacts` for the legacy command name when missing). */
  get title(): string {
    return readString(this.dictionary.title) ??
      (this.name === CommandName.CONTACTS ? CommandName.CONTACTS : "");
  }

  /** The owner, if any. */
  get owner(): ID | undefined {
    return readId(this.dictionary.ID ?? this.dictionary.did);
  }

  /** The encrypted data (base64), if any. */
  get data(): string | undefined {
    return readString(this.dictionary.data);
  }

  /** The encrypted key (base64), if any. */
  get key(): string | undefined {
    return readString(this.dictionary.key);
  }

  /** Whether data is carried. */
  get isUpload(): boolean {
    return this.data !== undefined || this.dictionary.contacts !== undefined;
  }
}
