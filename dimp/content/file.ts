/**
 * File contents: file 0x10, image 0x12, audio 0x14, video 0x16 (spec
 * messages.md §7.2). The file itself is a PNF: a download `URL` of the
 * encrypted bytes with the `key` that decrypts them, or inline `data`.
 *
 * @module
 */
import {
  parseSymmetricKey,
  PortableNetworkFile,
  type SymmetricKey,
} from "../crypto/mod.ts";
import { Content, type ContentOptions } from "./content.ts";
import { ContentType } from "./content_type.ts";
import { isRecord, readString } from "./_values.ts";

/**
 * Extra members of a file content.
 *
 * @example
 * ```ts
 * const extra: FileOptions = { thumbnail: "data:image/jpeg;base64,..." };
 * ```
 */
export interface FileOptions extends ContentOptions {
  /** Image preview (data URI or base64). */
  readonly thumbnail?: string;
  /** Video preview. */
  readonly snapshot?: string;
  /** Audio transcript. */
  readonly text?: string;
}

/** The file content types. */
export type FileType =
  | typeof ContentType.FILE
  | typeof ContentType.IMAGE
  | typeof ContentType.AUDIO
  | typeof ContentType.VIDEO;

/**
 * `{"type": 16, "filename", "URL", "key", "data", ...}`. We write `key`;
 * the outgoing compatibility adds the legacy `password`, and readers accept
 * either.
 *
 * @example
 * ```ts
 * import { AesKey, PortableNetworkFile } from "../crypto/mod.ts";
 * const aes = AesKey.generate();
 * const pnf = PortableNetworkFile.fromUrl("https://cdn.example/a.pdf", { filename: "a.pdf", key: aes.toDictionary() });
 * FileContent.create(pnf).url; // "https://cdn.example/a.pdf"
 * ```
 */
export class FileContent extends Content {
  /** A new file content of `type` (file by default) for the PNF. */
  static create(
    file: PortableNetworkFile,
    options: FileOptions = {},
    type: FileType = ContentType.FILE,
  ): FileContent {
    const { filename, URL, data, key, ...rest } = file.toDictionary();
    const { thumbnail, snapshot, text } = options;
    const dict = Content.build(
      type,
      { filename, URL, data, key, ...rest, thumbnail, snapshot, text },
      options,
    );
    switch (type) {
      case ContentType.IMAGE:
        return new ImageContent(dict);
      case ContentType.AUDIO:
        return new AudioContent(dict);
      case ContentType.VIDEO:
        return new VideoContent(dict);
    }
    return new FileContent(dict);
  }

  /** The file as a PNF (`URL`, `filename`, `data`, `key`). */
  get file(): PortableNetworkFile {
    const { URL, filename, data } = this.dictionary;
    const dict: Record<string, unknown> = { URL, filename, data };
    const key = this.keyDictionary;
    if (key !== undefined) dict.key = key;
    for (const name of Object.keys(dict)) {
      if (dict[name] === undefined) delete dict[name];
    }
    return PortableNetworkFile.parse(dict) as PortableNetworkFile;
  }

  /** The download URL, if any. */
  get url(): string | undefined {
    return readString(this.dictionary.URL);
  }

  /** The file name, if any. */
  get filename(): string | undefined {
    return readString(this.dictionary.filename);
  }

  /** The key dictionary (`key`, else the legacy `password`), if any. */
  get keyDictionary(): Record<string, unknown> | undefined {
    const { key, password } = this.dictionary;
    return isRecord(key) ? key : isRecord(password) ? password : undefined;
  }

  /**
   * The key that decrypts the downloaded bytes, if any.
   *
   * @throws {KeyFormatError} a key dictionary that does not parse
   * @throws {UnsupportedAlgorithmError} a key of another algorithm
   */
  key(): SymmetricKey | undefined {
    const dict = this.keyDictionary;
    return dict === undefined ? undefined : parseSymmetricKey(dict);
  }
}

/**
 * Image content (0x12); `thumbnail` is the preview.
 */
export class ImageContent extends FileContent {
  /** The preview, if any. */
  get thumbnail(): string | undefined {
    return readString(this.dictionary.thumbnail);
  }
}

/**
 * Audio content (0x14); `text` is the speech recognition result.
 */
export class AudioContent extends FileContent {
  /** The transcript, if any. */
  get text(): string | undefined {
    return readString(this.dictionary.text);
  }
}

/**
 * Video content (0x16); `snapshot` is the preview.
 */
export class VideoContent extends FileContent {
  /** The preview, if any. */
  get snapshot(): string | undefined {
    return readString(this.dictionary.snapshot);
  }
}
