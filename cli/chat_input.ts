/**
 * The input layer of `dim client chat`: what a typed line means (commands
 * matched as whole words: `/topics` is not `/to`), a line editor for a
 * terminal in raw mode (the prompt and what is being typed stay on one line
 * and are redrawn after an incoming message), and the escape sequences that
 * do it.
 *
 * @module
 */

/** What one typed line asks for. */
export type ChatLine =
  | { readonly kind: "empty" }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "to"; readonly who: string }
  | { readonly kind: "who" }
  | { readonly kind: "help" }
  | { readonly kind: "quit" }
  | { readonly kind: "unknown"; readonly command: string };

/** The commands of the chat, for the help line. */
export const CHAT_COMMANDS =
  "commands: /to ID|name (who gets the lines), /who, /help, /quit (or end of input); //text sends /text";

/**
 * Reads a typed line: a `/command` (the whole first word, exactly), `//…`
 * for a text that starts with `/`, or a text.
 *
 * @example
 * ```ts
 * import { parseChatLine } from "./chat_input.ts";
 * parseChatLine("/to bob"); // { kind: "to", who: "bob" }
 * parseChatLine("/topics for today"); // { kind: "unknown", command: "/topics" }
 * parseChatLine("//etc is a folder"); // { kind: "text", text: "/etc is a folder" }
 * ```
 */
export function parseChatLine(line: string): ChatLine {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "empty" };
  if (trimmed.startsWith("//")) {
    return { kind: "text", text: line.trimStart().slice(1) };
  }
  if (!trimmed.startsWith("/")) return { kind: "text", text: line };
  const [command, ...rest] = trimmed.split(/\s+/);
  const argument = rest.join(" ");
  switch (command) {
    case "/to":
      return argument === ""
        ? { kind: "unknown", command: "/to needs an ID or a name:" }
        : { kind: "to", who: argument };
    case "/who":
      return { kind: "who" };
    case "/help":
      return { kind: "help" };
    case "/quit":
      return { kind: "quit" };
    default:
      return { kind: "unknown", command };
  }
}

/** What a chunk of typed input did. */
export interface EditResult {
  /** Lines finished by Enter, in order. */
  readonly lines: string[];
  /** Ctrl-D on an empty line: the input ended. */
  readonly eof: boolean;
  /** Ctrl-C. */
  readonly interrupt: boolean;
}

/**
 * A one-line editor for a terminal in raw mode: printable characters are
 * added, Backspace removes the last one, Ctrl-U clears the line, Enter
 * finishes it; escape sequences (arrows) are ignored.
 *
 * @example
 * ```ts
 * import { LineEditor } from "./chat_input.ts";
 * const editor = new LineEditor();
 * editor.feed("helo\x7flo\r").lines; // ["hello"]
 * editor.feed("half a li").lines; // []
 * editor.buffer; // "half a li"
 * ```
 */
export class LineEditor {
  #buffer = "";
  #escape = false;

  /** What is typed so far on the current line. */
  get buffer(): string {
    return this.#buffer;
  }

  /** Takes typed text (as read from the terminal). */
  feed(text: string): EditResult {
    const lines: string[] = [];
    let eof = false;
    let interrupt = false;
    for (const char of text) {
      if (this.#escape) {
        // CSI sequences end with a letter or '~'
        if (/[A-Za-z~]/.test(char)) this.#escape = false;
        continue;
      }
      if (char === "\x1b") {
        this.#escape = true;
      } else if (char === "\r" || char === "\n") {
        lines.push(this.#buffer);
        this.#buffer = "";
      } else if (char === "\x7f" || char === "\b") {
        this.#buffer = [...this.#buffer].slice(0, -1).join("");
      } else if (char === "\x15") {
        this.#buffer = "";
      } else if (char === "\x03") {
        interrupt = true;
      } else if (char === "\x04") {
        if (this.#buffer === "") eof = true;
      } else if (char >= " ") {
        this.#buffer += char;
      }
    }
    return { lines, eof, interrupt };
  }
}

/**
 * Back to the start of the line, and the line cleared (before a line is
 * shown above the input line).
 */
export const CLEAR_LINE = "\r\x1b[K";

/**
 * The bytes that redraw the input line: the prompt and what is typed (after
 * a line was shown above it, or on each key).
 *
 * @example
 * ```ts
 * import { redrawLine } from "./chat_input.ts";
 * redrawLine("bob> ", "hel"); // "\r\x1b[Kbob> hel"
 * ```
 */
export function redrawLine(prompt: string, typed: string): string {
  return `${CLEAR_LINE}${prompt}${typed}`;
}
