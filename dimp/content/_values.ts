/**
 * Lenient readers for members of received JSON: each returns `undefined`
 * (or an empty list) for a missing or ill-typed value instead of throwing,
 * because contents and messages are kept as received and only the members
 * a caller asks for are interpreted.
 *
 * @module
 */
import { type ID, tryParseId } from "../identity/mod.ts";

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A finite number, or a numeric string (`"1"`, `"1700000000.5"`). */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A string (possibly empty). */
export function readString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The first of the values that is a string. */
export function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === "string") return value;
  }
  return undefined;
}

/** An ID (unknown address kinds allowed, as dimples routes them). */
export function readId(value: unknown): ID | undefined {
  return tryParseId(value, { allowUnknown: true });
}

/** The elements of an array that are IDs (others skipped). */
export function readIdList(value: unknown): ID[] {
  if (!Array.isArray(value)) return [];
  const ids: ID[] = [];
  for (const item of value) {
    const id = readId(item);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** The elements of an array that are strings (others skipped). */
export function readStringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}

/** The elements of an array that are JSON objects (others skipped). */
export function readRecordList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Seconds since the epoch, as a float (what v2.x writes). */
export function nowSeconds(): number {
  return Date.now() / 1000;
}
