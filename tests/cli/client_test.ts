/**
 * `dim client` through the real CLI process, for what needs no station:
 * the command line, `register`, name resolution, and the failures when the
 * station is not there. (Sending and listening through a station:
 * tests/e2e/client_station_test.ts.)
 */
import assert from "node:assert/strict";
import { parseId } from "../../dimp/identity/mod.ts";
import { dim, tempDir } from "./_dim.ts";

/** `dim --data-dir DIR client ...args`. */
function client(dir: string, ...args: string[]) {
  return dim(["--data-dir", dir, "client", ...args]);
}

/** A loopback port nothing listens on (taken, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("dim client: usage — no action is exit 2, help is exit 0", async () => {
  const none = await dim(["client"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /usage: dim client/);
  const help = await dim(["client", "help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /register <name>/);
  assert.match(help.stdout, /listen --as A/);
});

const BAD_LINES: [string, string[], RegExp][] = [
  ["unknown action", ["client", "fly"], /unknown client action: fly/],
  ["send without --to", ["client", "send", "--from", "a", "hi"], /usage/],
  [
    "send without text",
    ["client", "send", "--from", "a", "--to", "b"],
    /usage/,
  ],
  ["listen without --as", ["client", "listen"], /usage/],
  ["an option of another action", [
    "client",
    "listen",
    "--as",
    "a",
    "--from",
    "b",
  ], /takes no --from/],
  [
    "an unknown option",
    ["client", "listen", "--as", "a", "--loud"],
    /client: Unknown option/,
  ],
  ["--station without port", [
    "client",
    "--station",
    "localhost",
    "listen",
    "--as",
    "a",
  ], /HOST:PORT/],
  ["--station with port 0", [
    "client",
    "--station",
    "h:0",
    "listen",
    "--as",
    "a",
  ], /HOST:PORT/],
  [
    "--framing tcp",
    ["client", "--framing", "tcp", "listen", "--as", "a"],
    /--framing must be/,
  ],
  [
    "--count 0",
    ["client", "listen", "--as", "a", "--count", "0"],
    /--count must be a positive number/,
  ],
  [
    "--timeout x",
    ["client", "listen", "--as", "a", "--timeout", "x"],
    /--timeout must be/,
  ],
  ["register without name", ["client", "register"], /usage/],
];

for (const [what, args, message] of BAD_LINES) {
  Deno.test(`dim client: bad command line (${what}) → exit 2`, async () => {
    using dir = tempDir();
    const run = await dim(["--data-dir", dir.path, ...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, "");
  });
}

Deno.test("dim client register: a user with an ETH meta, a visa with the name and an RSA key; its ID last on stdout", async () => {
  using dir = tempDir();
  const run = await client(dir.path, "register", "alice");
  assert.equal(run.code, 0, run.stderr);
  const id = parseId(run.lastLine);
  assert.ok(id.isUser);
  assert.match(id.value, /^0x[0-9a-fA-F]{40}$/); // ETH address, no name
  assert.match(run.stderr, /registered "alice"/);
  const show = await dim([
    "--data-dir",
    dir.path,
    "register",
    "show",
    id.value,
  ]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /meta: type 4, ECC key/);
  assert.match(show.stdout, /private keys: ID key ECC, message keys \[RSA\]/);
  assert.match(show.stdout, /name: "alice"/);
  assert.match(show.stdout, /key: RSA public key/);
});

Deno.test("dim client register: a name taken by a local account is refused; two names in one store are fine", async () => {
  using dir = tempDir();
  const first = await client(dir.path, "register", "alice");
  assert.equal(first.code, 0, first.stderr);
  const again = await client(dir.path, "register", "alice");
  assert.equal(again.code, 1);
  assert.match(again.stderr, /named "alice" already/);
  assert.match(again.stderr, new RegExp(first.lastLine));
  const bob = await client(dir.path, "register", "bob");
  assert.equal(bob.code, 0, bob.stderr);
  const list = await dim([
    "--data-dir",
    dir.path,
    "register",
    "list",
    "--local",
  ]);
  assert.equal(list.stdout.trim().split("\n").length, 2);
});

Deno.test("dim client: --from must be a local account (name or ID with its private key here)", async () => {
  using dir = tempDir();
  using other = tempDir();
  const alice = await client(other.path, "register", "alice");
  const port = String(closedPort());
  const station = ["--station", `127.0.0.1:${port}`];
  const unknownName = await client(
    dir.path,
    ...station,
    "send",
    "--from",
    "nobody",
    "--to",
    alice.lastLine,
    "hi",
  );
  assert.equal(unknownName.code, 2);
  assert.match(unknownName.stderr, /"nobody" is neither an ID nor the name/);
  const foreign = await client(
    dir.path,
    ...station,
    "send",
    "--from",
    alice.lastLine,
    "--to",
    alice.lastLine,
    "hi",
  );
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /private key of .* is not in the store/);
});

Deno.test("dim client: no station at the address → exit 1 with a clear message (send and listen)", async () => {
  using dir = tempDir();
  const alice = await client(dir.path, "register", "alice");
  const station = `127.0.0.1:${closedPort()}`;
  const send = await client(
    dir.path,
    "--station",
    station,
    "send",
    "--from",
    "alice",
    "--to",
    alice.lastLine,
    "hi",
  );
  assert.equal(send.code, 1);
  assert.match(send.stderr, new RegExp(`cannot reach a station at ${station}`));
  const listen = await client(
    dir.path,
    "--station",
    station,
    "--framing",
    "ws",
    "listen",
    "--as",
    "alice",
    "--count",
    "1",
    "--timeout",
    "5",
  );
  assert.equal(listen.code, 1);
  assert.match(listen.stderr, /cannot reach a station .*\(ws\)/);
});
