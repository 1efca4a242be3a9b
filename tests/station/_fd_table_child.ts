/**
 * A child process for `fd_table_test.ts`: says `ready`, waits for a line
 * on stdin (its parent reads its `/proc` meanwhile), grows its descriptor
 * table to `Deno.args[0]`, prints what `growFdTable` returned as one JSON
 * line and exits when stdin ends (its parent reads its `/proc` again).
 *
 * @module
 */
import { growFdTable } from "../../station/fd_table.ts";

const encoder = new TextEncoder();
const input = Deno.stdin.readable.getReader();
// reading stdin opens a descriptor of its own: before the parent looks
const go = input.read();
Deno.stdout.writeSync(encoder.encode("ready\n"));
await go;
const grown = growFdTable(Number(Deno.args[0]));
Deno.stdout.writeSync(encoder.encode(JSON.stringify(grown) + "\n"));
while (!(await input.read()).done) {
  // until the parent closes stdin
}
