/**
 * The neighbour list (station.md §2.4, §12.2): `host:port` items, the
 * `stations.json` format in its spellings, this station left out, and the
 * list read from a URL (loopback HTTP) or a file, copied to `output` and
 * read from the copy when the source fails.
 */
import assert from "node:assert/strict";
import { EntityType } from "../../dimp/identity/mod.ts";
import {
  loadStationList,
  NeighbourListError,
  parseNeighbourAddress,
  parseNeighbourList,
  parseStationList,
  withoutSelf,
} from "../../station/mod.ts";
import { newAccount } from "./_peer.ts";

const [s1, s2, s3] = await Promise.all(
  ["gsp-s001", "gsp-s002", "gsp-s003"].map((seed) =>
    newAccount(EntityType.STATION, seed)
  ),
);

/** A list in the shipped file's layout: provider fields, `id` in lower case. */
const SHIPPED_LAYOUT = JSON.stringify({
  name: "Test Service Provider",
  ID: "gsp@everywhere",
  founder: "moky@anywhere",
  owner: "anyone@anywhere",
  stations: [
    { host: "192.0.2.1", port: 9394, desc: "one", id: s1.id.value },
    { host: "192.0.2.2", port: 9394, desc: "two", did: s2.id.value },
    { host: "192.0.2.3", port: 9395, ID: s3.id.value },
    { host: "192.0.2.4", port: 9394 },
  ],
});

function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-neighbours-" });
  return fn(dir).finally(() => Deno.removeSync(dir, { recursive: true }));
}

Deno.test("neighbours: host:port, [IPv6]:port and comma lists; anything else is a NeighbourListError", () => {
  assert.deepEqual(parseNeighbourAddress("10.0.0.2:9394"), {
    host: "10.0.0.2",
    port: 9394,
  });
  assert.deepEqual(parseNeighbourAddress(" [::1]:9395 "), {
    host: "::1",
    port: 9395,
  });
  assert.deepEqual(parseNeighbourAddress("s1.example.net:1"), {
    host: "s1.example.net",
    port: 1,
  });
  for (
    const bad of ["10.0.0.2", ":9394", "h:0", "h:65536", "h:port", "a b:1", ""]
  ) {
    assert.throws(
      () => parseNeighbourAddress(bad),
      NeighbourListError,
      `"${bad}"`,
    );
  }
  assert.deepEqual(parseNeighbourList("a:1, b:2,"), [
    { host: "a", port: 1 },
    { host: "b", port: 2 },
  ]);
  assert.deepEqual(parseNeighbourList(""), []);
  assert.throws(() => parseNeighbourList("a:1, b"), NeighbourListError);
});

Deno.test("neighbours: stations.json — the shipped layout with lower-case id (§12.2), did and ID; a bare array", () => {
  const list = parseStationList(SHIPPED_LAYOUT);
  assert.deepEqual(list.map((s) => [s.host, s.port, s.id?.value]), [
    ["192.0.2.1", 9394, s1.id.value],
    ["192.0.2.2", 9394, s2.id.value],
    ["192.0.2.3", 9395, s3.id.value],
    ["192.0.2.4", 9394, undefined],
  ]);
  assert.deepEqual(
    parseStationList([{ host: "192.0.2.9", port: 9394 }]),
    [{ host: "192.0.2.9", port: 9394 }],
  );
});

Deno.test("neighbours: stations.json — items without host and port dropped, each address once; not JSON or not a list is an error", () => {
  const list = parseStationList({
    stations: [
      { host: "192.0.2.1" },
      { port: 9394 },
      { host: "", port: 9394 },
      { host: "192.0.2.2", port: "9394" },
      { host: "192.0.2.3", port: 0 },
      { host: "192.0.2.4", port: 65536 },
      { host: "192.0.2.5", port: 9394.5 },
      "192.0.2.6:9394",
      null,
      { host: "192.0.2.7", port: 9394, id: "not an id" },
      { host: "192.0.2.8", port: 9394, id: "everyone@everywhere" },
      { host: "192.0.2.7", port: 9394, id: s1.id.value },
    ],
  });
  assert.deepEqual(list, [
    { host: "192.0.2.7", port: 9394 },
    { host: "192.0.2.8", port: 9394 },
  ]);
  for (const bad of ["{", '"stations"', '{"stations": {}}', "{}", "42"]) {
    assert.throws(
      () => parseStationList(bad, "x.json"),
      (e) => e instanceof NeighbourListError && /^x\.json: /.test(e.message),
      bad,
    );
  }
});

Deno.test("neighbours: this station is left out by ID, or by host and port (every address bound: its loopback too)", () => {
  const list = parseStationList(SHIPPED_LAYOUT);
  const self = { id: s1.id, hosts: ["192.0.2.2"], ports: [9394] };
  assert.deepEqual(withoutSelf(list, self).map((s) => s.host), [
    "192.0.2.3",
    "192.0.2.4",
  ]);
  const loopback = [
    { host: "127.0.0.1", port: 9394 },
    { host: "localhost", port: 9394 },
    { host: "127.0.0.1", port: 9395 },
    { host: "127.0.0.1", port: 9395 },
  ];
  assert.deepEqual(
    withoutSelf(loopback, { id: s1.id, hosts: ["0.0.0.0"], ports: [9394] }),
    [{ host: "127.0.0.1", port: 9395 }],
  );
  assert.equal(
    withoutSelf(loopback, { id: s1.id, hosts: ["10.0.0.1"], ports: [9394] })
      .length,
    3,
  );
});

Deno.test("neighbours: a list from a URL is copied to output; when the URL fails (404, refused, timeout) the copy is read", async () => {
  await withTempDir(async (dir) => {
    const output = `${dir}/stations.json`;
    let answer: "list" | "404" | "hang" = "list";
    const hanging = new AbortController();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
    }, async () => {
      if (answer === "404") return new Response("gone", { status: 404 });
      if (answer === "hang") {
        await new Promise((resolve) =>
          hanging.signal.addEventListener("abort", resolve)
        );
      }
      return new Response(SHIPPED_LAYOUT);
    });
    const url = `http://127.0.0.1:${server.addr.port}/v1/stations.json`;
    const warnings: string[] = [];
    const onWarning = (error: Error) => warnings.push(error.message);
    try {
      const first = await loadStationList({ source: url, output, onWarning });
      assert.equal(first.length, 4);
      assert.equal(Deno.readTextFileSync(output), SHIPPED_LAYOUT);
      assert.deepEqual(warnings, []);

      answer = "404";
      const second = await loadStationList({ source: url, output, onWarning });
      assert.deepEqual(second, first);
      assert.match(warnings[0], /HTTP 404/);

      answer = "hang";
      const third = await loadStationList({
        source: url,
        output,
        timeout: 100,
        onWarning,
      });
      assert.deepEqual(third, first);
      assert.equal(warnings.length, 2);
      hanging.abort();

      // without a copy to fall back on, the failure is the caller's
      answer = "404";
      await assert.rejects(
        loadStationList({ source: url }),
        (e) => e instanceof NeighbourListError && /HTTP 404/.test(e.message),
      );
    } finally {
      hanging.abort();
      await server.shutdown();
    }
    const refused = await loadStationList({
      source: url, // the server is gone
      output,
      onWarning,
    });
    assert.equal(refused.length, 4);
    assert.match(warnings.at(-1)!, /cannot read the station list http:/);
  });
});

Deno.test("neighbours: a file source (path or file: URL); output alone is read; nothing set is an empty list; an unreadable copy is an error", async () => {
  await withTempDir(async (dir) => {
    const source = `${dir}/source.json`;
    Deno.writeTextFileSync(source, SHIPPED_LAYOUT);
    const output = `${dir}/copy.json`;
    assert.equal((await loadStationList({ source, output })).length, 4);
    assert.equal(
      (await loadStationList({ source: `file://${source}` })).length,
      4,
    );
    assert.equal((await loadStationList({ output })).length, 4);
    assert.deepEqual(await loadStationList({}), []);
    await assert.rejects(
      loadStationList({ output: `${dir}/missing.json` }),
      (e) =>
        e instanceof NeighbourListError &&
        /cannot read the station list .*missing\.json/.test(e.message),
    );
    // a copy that cannot be written does not lose the list
    const warnings: string[] = [];
    const list = await loadStationList({
      source,
      output: `${dir}/no/such/dir/copy.json`,
      onWarning: (error) => warnings.push(error.message),
    });
    assert.equal(list.length, 4);
    assert.match(warnings[0], /cannot write the station list .*copy\.json/);
  });
});
