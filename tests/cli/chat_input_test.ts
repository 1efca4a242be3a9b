/**
 * The input layer of `dim client chat`: commands matched whole, unknown
 * ones refused, `//` for a text starting with `/`; the raw-mode line editor
 * (keys, Backspace, Ctrl-U, Enter, Ctrl-D, Ctrl-C, arrows ignored); the
 * prompt and what was typed redrawn on one line after an incoming message.
 */
import assert from "node:assert/strict";
import {
  CLEAR_LINE,
  LineEditor,
  parseChatLine,
  redrawLine,
} from "../../cli/chat_input.ts";

Deno.test("chat input: commands are whole words; unknown ones are refused; //text is a text", () => {
  assert.deepEqual(parseChatLine("/to bob"), { kind: "to", who: "bob" });
  assert.deepEqual(
    parseChatLine("  /to   bob@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk "),
    {
      kind: "to",
      who: "bob@4WDfe3zZ4T7opFSi3iDAKiuTnUHjxmXekk",
    },
  );
  assert.deepEqual(parseChatLine("/topics for today"), {
    kind: "unknown",
    command: "/topics",
  });
  assert.deepEqual(parseChatLine("/quitting"), {
    kind: "unknown",
    command: "/quitting",
  });
  assert.equal(parseChatLine("/to").kind, "unknown");
  assert.deepEqual(parseChatLine("/who"), { kind: "who" });
  assert.deepEqual(parseChatLine("/help"), { kind: "help" });
  assert.deepEqual(parseChatLine("/quit"), { kind: "quit" });
  assert.deepEqual(parseChatLine("   "), { kind: "empty" });
  assert.deepEqual(parseChatLine("hello /to"), {
    kind: "text",
    text: "hello /to",
  });
  assert.deepEqual(parseChatLine("//etc is a folder"), {
    kind: "text",
    text: "/etc is a folder",
  });
});

Deno.test("chat input: the line editor — keys, Backspace, Ctrl-U, Enter, arrows ignored, Ctrl-D on an empty line, Ctrl-C", () => {
  const editor = new LineEditor();
  assert.deepEqual(editor.feed("helo"), {
    lines: [],
    eof: false,
    interrupt: false,
  });
  assert.equal(editor.buffer, "helo");
  editor.feed("\x7flo\x1b[D\x1b[A");
  assert.equal(editor.buffer, "hello", "Backspace; arrows ignored");
  assert.deepEqual(editor.feed(" wörld\r").lines, ["hello wörld"]);
  assert.equal(editor.buffer, "");
  assert.deepEqual(editor.feed("one\rtwo\rthr").lines, ["one", "two"]);
  assert.equal(editor.buffer, "thr");
  editor.feed("\x15");
  assert.equal(editor.buffer, "", "Ctrl-U clears the line");
  editor.feed("x");
  assert.equal(
    editor.feed("\x04").eof,
    false,
    "Ctrl-D ends only an empty line",
  );
  editor.feed("\x7f");
  assert.equal(editor.feed("\x04").eof, true);
  assert.equal(editor.feed("\x03").interrupt, true);
});

Deno.test("chat input: an incoming message is drawn above the input line, then the prompt and what was typed again", () => {
  const editor = new LineEditor();
  editor.feed("half a li");
  // what the chat writes to the terminal for an incoming line
  const screen = CLEAR_LINE + "[12:00:00] bob: hi\r\n" +
    redrawLine("bob> ", editor.buffer);
  assert.equal(
    screen,
    "\r\x1b[K[12:00:00] bob: hi\r\n\r\x1b[Kbob> half a li",
  );
  // the prompt stays on the input line: no newline after it
  assert.doesNotMatch(redrawLine("bob> ", ""), /\n/);
  assert.equal(editor.feed("ne\r").lines[0], "half a line");
});
