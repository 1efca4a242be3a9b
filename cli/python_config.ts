/**
 * Reading the Python station's 2021 `etc/config.py` as data, never running
 * it: a tokenizer for Python source and a reader of the top-level plain
 * assignments whose values are literals — strings (adjacent ones joined),
 * numbers, `True`/`False`/`None`, lists, tuples, dicts with string keys —
 * names assigned earlier in the file, dotted names (`Log.DEVELOP`), and
 * `ID.parse('…')` / `ID.parse(identifier='…')` around a literal. Anything
 * else (imports, `if` blocks, calls such as `os.path.join(…)`, operators)
 * is reported as not read, with its source text.
 *
 * @module
 */

/**
 * Python source that cannot be tokenized: an unterminated string, an
 * unbalanced bracket, a character that is not Python.
 *
 * @example
 * ```ts
 * try { readPythonConfig("x = 'open", "config.py"); } catch (e) { e instanceof PythonConfigError; }
 * ```
 */
export class PythonConfigError extends Error {
  /** The file name. */
  readonly source: string;
  /** The 1-based line. */
  readonly line: number;

  /** Creates the error. */
  constructor(source: string, line: number, problem: string) {
    super(`${source}:${line}: ${problem}`);
    this.name = "PythonConfigError";
    this.source = source;
    this.line = line;
  }
}

/** A dotted name used as a value (`Log.DEVELOP`). */
export class PySymbol {
  /** The dotted name. */
  readonly name: string;
  /** Creates the symbol. */
  constructor(name: string) {
    this.name = name;
  }
}

/** A value read from the file. */
export type PyValue =
  | string
  | number
  | boolean
  | null
  | PySymbol
  | readonly PyValue[]
  | ReadonlyMap<string, PyValue>;

/** One top-level assignment. */
export type PyAssignment =
  | { readonly line: number; readonly value: PyValue }
  | { readonly line: number; readonly unsupported: string };

/** What the file assigns, by (dotted) target name; the last assignment wins. */
export interface PythonConfig {
  /** Each target's last assignment. */
  readonly assignments: ReadonlyMap<string, PyAssignment>;
  /** Top-level statements that are not assignments (imports, blocks, calls), by line. */
  readonly skipped: readonly { line: number; text: string }[];
}

type TokenKind = "name" | "string" | "number" | "op" | "newline" | "end";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly start: number;
  readonly end: number;
  /** Strings: the decoded value (undefined for f-strings and bytes). */
  readonly value?: string | number;
  /** The first token of a line that starts indented. */
  readonly indented?: boolean;
}

const KEYWORDS = new Set([
  "import",
  "from",
  "if",
  "elif",
  "else",
  "def",
  "class",
  "for",
  "while",
  "with",
  "try",
  "except",
  "finally",
  "return",
  "pass",
  "del",
  "global",
  "nonlocal",
  "assert",
  "raise",
  "async",
  "await",
  "lambda",
  "yield",
  "break",
  "continue",
]);

const OPERATORS = [
  "**=",
  "//=",
  ">>=",
  "<<=",
  "...",
  "->",
  ":=",
  "==",
  "!=",
  "<=",
  ">=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "@=",
  "**",
  "//",
  "<<",
  ">>",
];

const ESCAPES: Readonly<Record<string, string>> = {
  "\n": "",
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

function decodeEscapes(
  body: string,
  fail: (problem: string) => never,
): string {
  return body.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|[\s\S])/g,
    (whole, code: string) => {
      if (code in ESCAPES) return ESCAPES[code];
      if (/^[xuU]/.test(code)) {
        return String.fromCodePoint(parseInt(code.slice(1), 16));
      }
      if (/^[0-7]/.test(code)) return String.fromCharCode(parseInt(code, 8));
      if (code.startsWith("N{")) fail(`a \\N{…} escape is not read: ${whole}`);
      return whole; // Python keeps an unknown escape as written
    },
  );
}

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  let lineStart = true;
  const fail = (problem: string): never => {
    throw new PythonConfigError(source, line, problem);
  };
  const push = (
    kind: TokenKind,
    start: number,
    value?: string | number,
    indented?: boolean,
  ) =>
    tokens.push({
      kind,
      text: text.slice(start, i),
      line,
      start,
      end: i,
      value,
      indented,
    });
  while (i < text.length) {
    let indented = false;
    if (lineStart) {
      const m = /^[ \t\f]*/.exec(text.slice(i))![0];
      i += m.length;
      lineStart = false;
      if (text[i] === "\n" || text[i] === "#" || i >= text.length) continue;
      indented = m.length > 0 && depth === 0;
      if (text[i] === "\r") continue;
    }
    const ch = text[i];
    if (ch === "\n") {
      if (
        depth === 0 && tokens.length > 0 && tokens.at(-1)!.kind !== "newline"
      ) {
        push("newline", i);
      }
      i++;
      line++;
      if (depth === 0) lineStart = true;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f") {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (
      ch === "\\" && (text[i + 1] === "\n" || text.startsWith("\r\n", i + 1))
    ) {
      i += text[i + 1] === "\n" ? 2 : 3;
      line++;
      continue;
    }
    const start = i;
    const prefix = /^([rRbBuUfF]{0,2})(['"])/.exec(text.slice(i, i + 3));
    if (prefix !== null && /^[rRbBuUfF]{0,2}$/.test(prefix[1])) {
      const flags = prefix[1].toLowerCase();
      i += prefix[1].length;
      const triple = text.startsWith(prefix[2].repeat(3), i);
      const quote = triple ? prefix[2].repeat(3) : prefix[2];
      i += quote.length;
      const bodyStart = i;
      const startLine = line;
      for (;;) {
        if (i >= text.length) {
          line = startLine;
          fail("a string that does not end");
        }
        if (text[i] === "\\") {
          if (text[i + 1] === "\n") line++;
          i += 2;
          continue;
        }
        if (text.startsWith(quote, i)) break;
        if (text[i] === "\n") {
          if (!triple) {
            line = startLine;
            fail("a string that does not end on its line");
          }
          line++;
        }
        i++;
      }
      const body = text.slice(bodyStart, i);
      i += quote.length;
      const value = flags.includes("f") || flags.includes("b")
        ? undefined
        : flags.includes("r")
        ? body
        : decodeEscapes(body, fail);
      push("string", start, value, indented);
      continue;
    }
    const number =
      /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?[jJ]?)/
        .exec(text.slice(i));
    if (number !== null && number[0] !== "" && /^\.?\d/.test(text.slice(i))) {
      i += number[0].length;
      const literal = number[0].replaceAll("_", "");
      const value = /[jJ]$/.test(literal)
        ? undefined
        : /^0[xX]/.test(literal)
        ? parseInt(literal.slice(2), 16)
        : /^0[oO]/.test(literal)
        ? parseInt(literal.slice(2), 8)
        : /^0[bB]/.test(literal)
        ? parseInt(literal.slice(2), 2)
        : Number(literal);
      push("number", start, value, indented);
      continue;
    }
    const name = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(text.slice(i));
    if (name !== null) {
      i += name[0].length;
      push("name", start, undefined, indented);
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      i += op.length;
      push("op", start, undefined, indented);
      continue;
    }
    if ("()[]{}".includes(ch)) {
      if ("([{".includes(ch)) depth++;
      else if (--depth < 0) fail(`"${ch}" closes nothing`);
      i++;
      push("op", start, undefined, indented);
      continue;
    }
    if ("+-*/%@&|^~<>=.,:;!".includes(ch)) {
      i++;
      push("op", start, undefined, indented);
      continue;
    }
    fail(`"${ch}" is not Python`);
  }
  if (depth > 0) fail("a bracket that does not close");
  if (tokens.length > 0 && tokens.at(-1)!.kind !== "newline") {
    push("newline", i);
  }
  push("end", i);
  return tokens;
}

class Unsupported extends Error {}

/** Reads one expression of a statement's tokens as data. */
class ExpressionReader {
  #i = 0;
  readonly #tokens: readonly Token[];
  readonly #known: ReadonlyMap<string, PyAssignment>;

  constructor(
    tokens: readonly Token[],
    known: ReadonlyMap<string, PyAssignment>,
  ) {
    this.#tokens = tokens;
    this.#known = known;
  }

  read(): PyValue {
    const value = this.#expression();
    if (this.#i !== this.#tokens.length) throw new Unsupported();
    return value;
  }

  #peek(text?: string): Token | undefined {
    const token = this.#tokens[this.#i];
    return text === undefined || token?.text === text ? token : undefined;
  }

  #take(text?: string): Token {
    const token = this.#tokens[this.#i];
    if (token === undefined || (text !== undefined && token.text !== text)) {
      throw new Unsupported();
    }
    this.#i++;
    return token;
  }

  #expression(): PyValue {
    const token = this.#peek();
    if (token === undefined) throw new Unsupported();
    if (token.text === "-" || token.text === "+") {
      this.#i++;
      const value = this.#expression();
      if (typeof value !== "number") throw new Unsupported();
      return token.text === "-" ? -value : value;
    }
    if (token.kind === "string") {
      let text = "";
      while (this.#peek()?.kind === "string") {
        const part = this.#take();
        if (typeof part.value !== "string") throw new Unsupported();
        text += part.value;
      }
      return text;
    }
    if (token.kind === "number") {
      this.#i++;
      if (typeof token.value !== "number") throw new Unsupported();
      return token.value;
    }
    if (token.text === "[" || token.text === "(") {
      const close = token.text === "[" ? "]" : ")";
      this.#i++;
      const items: PyValue[] = [];
      let comma = false;
      while (!this.#peek(close)) {
        items.push(this.#expression());
        if (!this.#peek(close)) {
          this.#take(",");
          comma = true;
        }
      }
      this.#take(close);
      // (x) is x; (x,) and [x] are sequences
      return close === ")" && items.length === 1 && !comma ? items[0] : items;
    }
    if (token.text === "{") {
      this.#i++;
      const map = new Map<string, PyValue>();
      while (!this.#peek("}")) {
        const key = this.#expression();
        if (typeof key !== "string") throw new Unsupported();
        this.#take(":");
        map.set(key, this.#expression());
        if (!this.#peek("}")) this.#take(",");
      }
      this.#take("}");
      return map;
    }
    if (token.kind === "name") return this.#named();
    throw new Unsupported();
  }

  #named(): PyValue {
    const first = this.#take();
    if (first.text === "True") return true;
    if (first.text === "False") return false;
    if (first.text === "None") return null;
    if (KEYWORDS.has(first.text)) throw new Unsupported();
    const parts = [first.text];
    while (this.#peek(".") && this.#tokens[this.#i + 1]?.kind === "name") {
      this.#i++;
      parts.push(this.#take().text);
    }
    const dotted = parts.join(".");
    if (this.#peek("(")) {
      if (dotted !== "ID.parse") throw new Unsupported();
      this.#take("(");
      if (this.#peek("identifier") && this.#tokens[this.#i + 1]?.text === "=") {
        this.#i += 2;
      }
      const value = this.#expression();
      if (this.#peek(",")) this.#i++;
      this.#take(")");
      if (typeof value !== "string" && value !== null) throw new Unsupported();
      return value;
    }
    if (this.#peek("[")) throw new Unsupported();
    if (parts.length > 1) return new PySymbol(dotted);
    const known = this.#known.get(dotted);
    if (known === undefined || !("value" in known)) throw new Unsupported();
    return known.value;
  }
}

function logicalLines(tokens: readonly Token[]): Token[][] {
  const lines: Token[][] = [];
  let current: Token[] = [];
  for (const token of tokens) {
    if (token.kind === "newline" || token.kind === "end") {
      if (current.length > 0) lines.push(current);
      current = [];
    } else current.push(token);
  }
  return lines;
}

function splitStatements(line: readonly Token[]): Token[][] {
  const statements: Token[][] = [[]];
  let depth = 0;
  for (const token of line) {
    if ("([{".includes(token.text) && token.kind === "op") depth++;
    if (")]}".includes(token.text) && token.kind === "op") depth--;
    if (token.text === ";" && depth === 0) statements.push([]);
    else statements.at(-1)!.push(token);
  }
  return statements.filter((s) => s.length > 0);
}

/** The dotted target before an `=` at the top of a statement, or undefined. */
function targets(
  statement: readonly Token[],
): { names: string[]; rest: Token[] } {
  const names: string[] = [];
  let i = 0;
  for (;;) {
    let j = i;
    if (statement[j]?.kind !== "name" || KEYWORDS.has(statement[j].text)) break;
    const parts = [statement[j++].text];
    while (statement[j]?.text === "." && statement[j + 1]?.kind === "name") {
      parts.push(statement[j + 1].text);
      j += 2;
    }
    // an annotation: x: str = ...
    if (statement[j]?.text === ":" && names.length === 0) {
      j++;
      while (j < statement.length && statement[j].text !== "=") j++;
    }
    if (statement[j]?.text !== "=") break;
    names.push(parts.join("."));
    i = j + 1;
  }
  return { names, rest: statement.slice(i) };
}

/**
 * Reads the top-level plain assignments of a Python config file as data.
 *
 * @throws {PythonConfigError} the text cannot be tokenized as Python
 * @example
 * ```ts
 * const config = readPythonConfig("station_id = 'gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC'\n", "config.py");
 * config.assignments.get("station_id"); // { line: 1, value: "gsp-s001@…" }
 * ```
 */
export function readPythonConfig(text: string, source: string): PythonConfig {
  const tokens = tokenize(text, source);
  const assignments = new Map<string, PyAssignment>();
  const skipped: { line: number; text: string }[] = [];
  let inBlock = false;
  for (const line of logicalLines(tokens)) {
    const first = line[0];
    const lineText = text.slice(first.start, line.at(-1)!.end);
    if (first.indented) {
      if (!inBlock) skipped.push({ line: first.line, text: lineText });
      continue; // the body of a block: conditional, never a plain assignment
    }
    inBlock = KEYWORDS.has(first.text) && line.at(-1)!.text === ":";
    for (const statement of splitStatements(line)) {
      const head = statement[0];
      const statementText = text.slice(head.start, statement.at(-1)!.end);
      if (
        head.kind === "string" && statement.every((t) => t.kind === "string")
      ) {
        continue; // a docstring
      }
      const { names, rest } = targets(statement);
      if (names.length === 0) {
        skipped.push({ line: head.line, text: statementText });
        continue;
      }
      let assignment: PyAssignment;
      try {
        if (rest.length === 0) throw new Unsupported();
        assignment = {
          line: head.line,
          value: new ExpressionReader(rest, assignments).read(),
        };
      } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        assignment = {
          line: head.line,
          unsupported: text.slice(
            rest[0]?.start ?? head.start,
            statement.at(-1)!.end,
          ),
        };
      }
      for (const name of names) assignments.set(name, assignment);
    }
  }
  return { assignments, skipped };
}
