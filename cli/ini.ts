/**
 * Reading INI files the way Python's `configparser` (the reference
 * station's loader) reads them, so that its `config.ini` works unchanged:
 * `[section]` headers, `key = value` or `key: value` (keys lower-cased,
 * values trimmed), full-line comments starting with `#` or `;`, indented
 * continuation lines, no inline comments, no duplicates. `%` interpolation
 * is not done (values are literal).
 *
 * @module
 */

/**
 * Base class of config errors: a file that cannot be read, a syntax error,
 * a bad value.
 */
export class ConfigError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/**
 * A line that is not INI: no `=`/`:`, a key before any section, a duplicate
 * section or key.
 */
export class ConfigSyntaxError extends ConfigError {
  /** The file (or other source) name. */
  readonly source: string;
  /** The 1-based line number. */
  readonly line: number;

  /** Creates the error for a line of a source. */
  constructor(source: string, line: number, problem: string) {
    super(`${source}:${line}: ${problem}`);
    this.name = "ConfigSyntaxError";
    this.source = source;
    this.line = line;
  }
}

/** One value and where it was written (`dim.ini:12`, `environment DIM_DB`). */
export interface IniValue {
  /** The value, trimmed (continuation lines joined with `\n`). */
  readonly value: string;
  /** Where it came from, for error messages. */
  readonly origin: string;
}

/** The keys of one section (lower-cased) and their values. */
export type IniSection = Map<string, IniValue>;

/** Every section by its name (lower-cased), in file order. */
export type IniDocument = Map<string, IniSection>;

const SECTION = /^\[(.+)\]$/;

/**
 * Parses INI text.
 *
 * @throws {ConfigSyntaxError} a line that is not INI (with its line number)
 * @example
 * ```ts
 * parseIni("[station]\nport = 9394\n", "dim.ini").get("station")?.get("port")?.value; // "9394"
 * ```
 */
export function parseIni(text: string, source: string): IniDocument {
  const document: IniDocument = new Map();
  let section: IniSection | undefined;
  let last: { key: string; value: string; line: number } | undefined;

  const flush = () => {
    if (last !== undefined && section !== undefined) {
      section.set(last.key, {
        value: last.value.trim(),
        origin: `${source}:${last.line}`,
      });
    }
    last = undefined;
  };

  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      continue;
    }
    if (/^\s/.test(raw) && last !== undefined) {
      last.value += "\n" + trimmed;
      continue;
    }
    flush();
    const header = SECTION.exec(trimmed);
    if (header !== null) {
      const name = header[1].trim().toLowerCase();
      if (document.has(name)) {
        throw new ConfigSyntaxError(source, line, `section [${name}] again`);
      }
      section = new Map();
      document.set(name, section);
      continue;
    }
    if (section === undefined) {
      throw new ConfigSyntaxError(
        source,
        line,
        "a key before any [section] header",
      );
    }
    const at = trimmed.search(/[=:]/);
    if (at <= 0) {
      throw new ConfigSyntaxError(
        source,
        line,
        at === 0
          ? "a line starting with '=' or ':' has no key"
          : `"${trimmed}" is not "key = value"`,
      );
    }
    const key = trimmed.slice(0, at).trim().toLowerCase();
    if (section.has(key)) {
      throw new ConfigSyntaxError(source, line, `key "${key}" again`);
    }
    last = { key, value: trimmed.slice(at + 1), line };
  }
  flush();
  return document;
}
