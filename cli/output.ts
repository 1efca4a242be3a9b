/**
 * Writing to the terminal: machine-readable results go to stdout, logs and
 * prompts go to stderr. Nothing else in `dim` writes to the terminal directly.
 *
 * @module
 */

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string) {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) {
    const n = file.writeSync(bytes);
    bytes = bytes.subarray(n);
  }
}

/**
 * Writes one line of machine-readable output to stdout.
 *
 * @example
 * ```ts
 * printOut("hulk@4YeVEN3aUnvC1DNUufCq1bs9zoBSJTzVEj");
 * ```
 */
export function printOut(line: string): void {
  writeAll(Deno.stdout, line + "\n");
}

/**
 * Writes text to stdout as it is (no newline added; the chat's terminal).
 *
 * @example
 * ```ts
 * import { writeOut } from "./output.ts";
 * writeOut("[12:00] bob: hi\r\n");
 * ```
 */
export function writeOut(text: string): void {
  writeAll(Deno.stdout, text);
}

/**
 * Writes text to stderr as it is (no newline added: a prompt).
 *
 * @example
 * ```ts
 * import { writeErr } from "./output.ts";
 * writeErr("bob> ");
 * ```
 */
export function writeErr(text: string): void {
  writeAll(Deno.stderr, text);
}

/**
 * Writes one line for people (a log line, a prompt, an error) to stderr.
 *
 * @example
 * ```ts
 * printErr("dim: listening on 127.0.0.1:9394");
 * ```
 */
export function printErr(line: string): void {
  writeAll(Deno.stderr, line + "\n");
}

/**
 * When stdout is a regular file (`dim register export --private > a.json`),
 * makes it readable by its owner only (0600) before secrets are written
 * there; a terminal or a pipe is left alone. Linux only (`/proc/self/fd`);
 * elsewhere nothing is done.
 *
 * @example
 * ```ts
 * import { makeStdoutFilePrivate, printOut } from "./output.ts";
 * makeStdoutFilePrivate();
 * printOut("{\"id_private_key\": …}");
 * ```
 */
export function makeStdoutFilePrivate(): void {
  if (Deno.build.os !== "linux") return;
  let path: string;
  try {
    path = Deno.realPathSync("/proc/self/fd/1");
    if (!Deno.statSync(path).isFile) return;
  } catch {
    return; // not a file we can name
  }
  Deno.chmodSync(path, 0o600);
}
