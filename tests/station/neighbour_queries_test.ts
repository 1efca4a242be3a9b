/**
 * The query book of station.md §4.13: what goes out, and how often.
 */
import assert from "node:assert/strict";
import { DocumentCommand, MetaCommand } from "../../dimp/command/mod.ts";
import type { Content } from "../../dimp/content/mod.ts";
import { EVERYONE, parseId } from "../../dimp/identity/mod.ts";
import {
  NEIGHBOUR_QUERY_INTERVAL_MS,
  NeighbourQueries,
} from "../../station/neighbour_queries.ts";

const bob = parseId("bob@1FB5bHRpxQaWyBQJzV13DCWhJTM8JqGYFq");
const carol = parseId("carol@19vtoSKcJdePAHqr6v18L3XxzdgxNQXbqf");

function book(options: { reachable?: () => boolean; maxEntries?: number }) {
  let now = 1_000_000;
  const sent: Content[] = [];
  const queries = new NeighbourQueries({
    send: (content) => {
      sent.push(content);
      return Promise.resolve();
    },
    now: () => now,
    ...options,
  });
  return { queries, sent, advance: (ms: number) => (now += ms) };
}

Deno.test("neighbour queries: a meta and a documents query per ID, each once in ten minutes", () => {
  const { queries, sent, advance } = book({});
  assert.equal(queries.ask("meta", bob), true);
  assert.equal(queries.ask("documents", bob), true);
  assert.equal(queries.ask("meta", bob), false);
  assert.equal(queries.ask("meta", carol), true);
  assert.ok(sent[0] instanceof MetaCommand);
  assert.equal((sent[0] as MetaCommand).identifier?.value, bob.value);
  assert.ok(sent[1] instanceof DocumentCommand);
  assert.equal((sent[1] as DocumentCommand).isQuery, true);
  advance(NEIGHBOUR_QUERY_INTERVAL_MS - 1);
  assert.equal(queries.ask("meta", bob), false);
  advance(1);
  assert.equal(queries.ask("meta", bob), true);
  assert.equal(sent.length, 4);
});

Deno.test("neighbour queries: nothing for broadcast IDs, nothing while no neighbour is reachable", () => {
  let up = false;
  const { queries, sent } = book({ reachable: () => up });
  assert.equal(queries.ask("meta", bob), false);
  up = true;
  assert.equal(queries.ask("meta", EVERYONE), false);
  assert.equal(queries.ask("meta", bob), true);
  assert.equal(sent.length, 1);
});

Deno.test("neighbour queries: the book is bounded, the oldest query forgotten first", () => {
  const { queries, sent } = book({ maxEntries: 1 });
  assert.equal(queries.ask("meta", bob), true);
  assert.equal(queries.ask("meta", carol), true);
  assert.equal(queries.ask("meta", bob), true);
  assert.equal(queries.ask("meta", bob), false);
  assert.equal(sent.length, 3);
});

Deno.test("neighbour queries: a send that fails is logged, not thrown", async () => {
  const warnings: string[] = [];
  const queries = new NeighbourQueries({
    send: () => Promise.reject(new Error("no route")),
    log: {
      debug: () => {},
      info: () => {},
      warn: (m) => warnings.push(m),
      error: () => {},
    },
  });
  assert.equal(queries.ask("documents", bob), true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(warnings, [
    `documents query for ${bob.value} not sent: Error: no route`,
  ]);
});
