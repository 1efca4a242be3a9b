/**
 * Checks of the members a message cannot do without.
 *
 * @module
 */
import { isRecord } from "../content/_values.ts";
import { type ID, tryParseId } from "../identity/mod.ts";
import { MessageFormatError } from "./errors.ts";

/** How message IDs are parsed: unknown address kinds are routed, not refused. */
export const ID_OPTIONS = { allowUnknown: true } as const;

/**
 * Reads a required ID member.
 *
 * @throws {MessageFormatError} missing, not a string, or not an ID
 */
export function requireId(dict: Record<string, unknown>, name: string): ID {
  const value = dict[name];
  if (typeof value !== "string") {
    throw new MessageFormatError(
      name,
      value === undefined ? "missing" : `not a string (${typeof value})`,
    );
  }
  const id = tryParseId(value, ID_OPTIONS);
  if (id === undefined) {
    throw new MessageFormatError(name, `not an ID: ${value.slice(0, 80)}`);
  }
  return id;
}

/**
 * Checks that a value is a JSON object.
 *
 * @throws {MessageFormatError} anything else
 */
export function requireRecord(
  value: unknown,
  name?: string,
): Record<string, unknown> {
  if (!isRecord(value)) {
    throw new MessageFormatError(
      name,
      `must be a JSON object, got ${
        Array.isArray(value) ? "array" : typeof value
      }`,
    );
  }
  return value;
}

/**
 * Checks `data`: present and a non-empty string (its decoding is lazy).
 *
 * @throws {MessageFormatError} missing or not a string
 */
export function requireData(dict: Record<string, unknown>): string {
  const data = dict.data;
  if (typeof data !== "string" || data === "") {
    throw new MessageFormatError(
      "data",
      data === undefined || data === "" ? "missing" : "not a string",
    );
  }
  return data;
}
