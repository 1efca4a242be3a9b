/**
 * Checks for the plain values handed to the store and the JSON column
 * encoding. A failed check throws {@link InvalidRecordError} before anything
 * is written.
 *
 * @module
 */
import { InvalidRecordError } from "./errors.ts";

/** A JSON dictionary as received (a meta, a document, a message, a command). */
export type JsonObject = Record<string, unknown>;

/** Requires a non-empty string. */
export function requireText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidRecordError(field, "must be a non-empty string");
  }
  return value;
}

/**
 * Requires an ID string in its canonical naked form: non-empty, at most 64
 * characters (identity.md §5.1), no terminal (`/`).
 */
export function requireId(value: unknown, field: string): string {
  const text = requireText(value, field);
  if (text.length > 64) {
    throw new InvalidRecordError(field, "an ID has at most 64 characters");
  }
  if (text.includes("/")) {
    throw new InvalidRecordError(
      field,
      `must be a naked ID without a terminal: ${text}`,
    );
  }
  return text;
}

/** Requires a finite number (times are seconds since the epoch). */
export function requireNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidRecordError(field, "must be a finite number");
  }
  return value;
}

/** Requires a finite number or `undefined`; gives `null` for SQL. */
export function optionalNumber(value: unknown, field: string): number | null {
  return value === undefined || value === null
    ? null
    : requireNumber(value, field);
}

/** Requires a string or `undefined`; gives `null` for SQL. */
export function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    throw new InvalidRecordError(field, "must be a string");
  }
  return value;
}

/** Encodes a JSON dictionary for a `*_json` column (key order kept). */
export function encodeJson(value: unknown, field: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidRecordError(field, "must be a JSON object");
  }
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new InvalidRecordError(
      field,
      `cannot be encoded as JSON: ${(error as Error).message}`,
    );
  }
}

/** Decodes a `*_json` column. */
export function decodeJson(text: unknown): JsonObject {
  return JSON.parse(text as string) as JsonObject;
}
