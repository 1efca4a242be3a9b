/**
 * Reading the members of key dictionaries.
 *
 * @module
 */
import { KeyFormatError } from "./errors.ts";

/**
 * Checks that a key description is a JSON object.
 *
 * @throws {KeyFormatError} anything else
 */
export function keyDictionary(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KeyFormatError("a key must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * A member of a key (by default `data`) as a non-empty string.
 *
 * @throws {KeyFormatError} missing, empty or not a string
 */
export function keyData(
  dict: Record<string, unknown>,
  member = "data",
): string {
  const data = dict[member];
  if (typeof data !== "string" || data.length === 0) {
    throw new KeyFormatError(`key without "${member}"`);
  }
  return data;
}
