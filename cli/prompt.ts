/**
 * Interactive questions with defaults: asked on stderr, answered on stdin,
 * and only when stdin is a terminal — otherwise every question takes its
 * default at once, so a piped or scripted `dim` never waits for input.
 *
 * @module
 */
import { printErr } from "./output.ts";
import { UsageError } from "./context.ts";

/** Asks questions, or — when not interactive — answers them with their defaults. */
export interface Prompter {
  /** Whether questions are really asked. */
  readonly interactive: boolean;
  /**
   * Asks one question; an empty answer (or no terminal) gives `defaultValue`.
   * The answer is trimmed.
   */
  ask(question: string, defaultValue: string): Promise<string>;
}

/** Reads lines from a byte stream, keeping what follows a line for the next. */
class LineReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  async line(): Promise<string | undefined> {
    for (;;) {
      const end = this.#buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.#buffer.slice(0, end).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(end + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        if (this.#buffer === "") return undefined;
        const rest = this.#buffer;
        this.#buffer = "";
        return rest;
      }
      this.#buffer += value;
    }
  }
}

/**
 * A prompter on the process's terminal: interactive when stdin is a
 * terminal and `interactive` is not turned off (`--yes`).
 */
export function terminalPrompter(
  options: { interactive?: boolean } = {},
): Prompter {
  const interactive = options.interactive !== false &&
    Deno.stdin.isTerminal();
  let reader: LineReader | undefined;
  return {
    interactive,
    async ask(question, defaultValue) {
      if (!interactive) return defaultValue;
      reader ??= new LineReader(Deno.stdin.readable);
      const hint = defaultValue === "" ? "" : ` (default "${defaultValue}")`;
      printErr(`>>> ${question}${hint}:`);
      const answer = await reader.line();
      if (answer === undefined) {
        throw new UsageError(`no answer to "${question}" (input ended)`);
      }
      return answer.trim() === "" ? defaultValue : answer.trim();
    },
  };
}
