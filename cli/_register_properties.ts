/**
 * The document properties of `dim register`: the edits its options ask
 * for, and the fields it asks for on a terminal (station.md §7.2 step 5).
 *
 * @module
 */
import {
  type Document,
  EntityType,
  type ID,
  isGroupType,
  parseId,
} from "../dimp/identity/mod.ts";
import { UsageError } from "./context.ts";
import { printErr } from "./output.ts";
import type { Prompter } from "./prompt.ts";

/** An ID given on the command line (`what` names it in the error). */
export function parseIdArgument(text: string, what: string): ID {
  try {
    return parseId(text.trim());
  } catch (e) {
    throw new UsageError(`${what} is not an ID: ${(e as Error).message}`);
  }
}

/** A port number 1..65535, else a {@link UsageError}. */
export function parsePort(text: string): number {
  const port = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || port < 1 || port > 65535) {
    throw new UsageError(`a port is a number 1..65535, not "${text}"`);
  }
  return port;
}

/** Properties only the signing code writes. */
const MANAGED = new Set(["type", "created_time", "time", "key", "founder"]);

function parseSet(item: string): [string, unknown] {
  const at = item.indexOf("=");
  if (at <= 0) throw new UsageError(`--set needs KEY=VALUE, not "${item}"`);
  const key = item.slice(0, at);
  const text = item.slice(at + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: the text itself
  }
  return [key, value];
}

/** The options of `dim register` that edit document properties. */
export interface PropertyFlags {
  readonly name?: string;
  readonly avatar?: string;
  readonly host?: string;
  readonly port?: string;
  readonly assistant?: readonly string[];
  readonly set?: readonly string[];
  readonly unset?: readonly string[];
}

/** The property changes asked for by options (`undefined` removes). */
export function propertyEdits(flags: PropertyFlags): Map<string, unknown> {
  const edits = new Map<string, unknown>();
  for (const item of flags.set ?? []) {
    const [key, value] = parseSet(item);
    edits.set(key, value);
  }
  for (const key of flags.unset ?? []) edits.set(key, undefined);
  for (const key of ["name", "avatar", "host"] as const) {
    const value = flags[key];
    if (value !== undefined) edits.set(key, value === "" ? undefined : value);
  }
  if (flags.port !== undefined) edits.set("port", parsePort(flags.port));
  if (flags.assistant !== undefined) {
    const ids = flags.assistant.filter((text) => text.trim() !== "").map((
      text,
    ) => parseIdArgument(text, "--assistant").value);
    edits.set("assistants", ids.length === 0 ? undefined : ids);
    edits.set("assistant", undefined);
  }
  for (const key of edits.keys()) {
    if (MANAGED.has(key)) {
      throw new UsageError(`the property "${key}" is not set by hand`);
    }
  }
  return edits;
}

/** One document field the register tool asks for (station.md §7.2 step 5). */
interface Field {
  readonly key: string;
  readonly label: string;
  readonly fallback: string | number;
}

function fieldsOf(type: number): Field[] {
  if (type === EntityType.STATION) {
    return [
      { key: "name", label: "station name", fallback: "Base Station" },
      { key: "host", label: "station host", fallback: "127.0.0.1" },
      { key: "port", label: "station port", fallback: 9394 },
    ];
  }
  if (type === EntityType.BOT) {
    return [
      { key: "name", label: "bot name", fallback: "Service Bot" },
      { key: "avatar", label: "avatar URL", fallback: "" },
    ];
  }
  if (isGroupType(type)) {
    return [
      { key: "name", label: "group name", fallback: "Group Chat" },
      { key: "assistants", label: "group bot (ID)", fallback: "" },
    ];
  }
  return [
    { key: "name", label: "user name", fallback: "Satoshi Nakamoto" },
    { key: "avatar", label: "avatar URL", fallback: "" },
  ];
}

/** Asks until `parse` accepts the answer (a non-interactive prompter answers once). */
export async function askValid<T>(
  prompter: Prompter,
  question: string,
  fallback: string,
  parse: (answer: string) => T,
): Promise<T> {
  for (;;) {
    const answer = await prompter.ask(question, fallback);
    try {
      return parse(answer);
    } catch (e) {
      if (!prompter.interactive || !(e instanceof UsageError)) throw e;
      printErr(`!!! ${e.message}`);
    }
  }
}

function fieldValue(field: Field, answer: string): unknown {
  if (answer === "") return undefined;
  if (field.key === "port") return parsePort(answer);
  if (field.key === "assistants") {
    return [parseIdArgument(answer, "the group bot").value];
  }
  return answer;
}

/** Reads and writes document properties (`undefined` removes). */
export interface Properties {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/**
 * Applies the options to the properties; on a terminal asks for each field
 * of the type not given as an option (default: the current value, else
 * the type's default); `fillDefaults` writes the defaults of fields not
 * asked for (a new document).
 */
export async function editProperties(
  properties: Properties,
  type: number,
  edits: ReadonlyMap<string, unknown>,
  prompter: Prompter,
  fillDefaults: boolean,
): Promise<void> {
  for (const field of fieldsOf(type)) {
    if (edits.has(field.key)) continue;
    let current = properties.get(field.key);
    if (field.key === "assistants") {
      current = Array.isArray(current)
        ? current[0]
        : properties.get("assistant");
    }
    const shown = current === undefined || current === null
      ? String(fillDefaults ? field.fallback : "")
      : String(current);
    if (!prompter.interactive) {
      if (fillDefaults && shown !== "") {
        properties.set(field.key, fieldValue(field, shown));
      }
      continue;
    }
    const value = await askValid(
      prompter,
      `please input ${field.label}`,
      shown,
      (answer) => fieldValue(field, answer),
    );
    properties.set(field.key, value);
    if (field.key === "assistants") properties.set("assistant", undefined);
  }
  for (const [key, value] of edits) properties.set(key, value);
}

/** The properties of a document. */
export function documentProperties(document: Document): Properties {
  return {
    get: (key) => document.getProperty(key),
    set: (key, value) => document.setProperty(key, value),
  };
}

/** The properties of a JSON record (a document not signed yet). */
export function recordProperties(record: Record<string, unknown>): Properties {
  return {
    get: (key) => record[key],
    set: (key, value) => {
      if (value === undefined) delete record[key];
      else record[key] = value;
    },
  };
}
