/**
 * Whatever the TCP segmentation — one byte per write, or every package in one
 * write — each framing delivers the same payloads and answers them.
 */
import assert from "node:assert/strict";
import { createEndpoint, type Framing } from "../../../dimp/transport/mod.ts";
import {
  collect,
  echo,
  linesOf,
  RawClient,
  recorder,
  utf8,
  withListener,
} from "./_helpers.ts";

const MESSAGES = Array.from(
  { length: 12 },
  (_, i) => `{"n":${i},"text":"${"é".repeat(i * 5)}"}`,
);

for (const framing of ["mtp", "mars", "ws", "plain"] as Framing[]) {
  for (const mode of ["1-byte writes", "all in one write"]) {
    Deno.test(`loopback [${framing}]: ${mode} deliver every package in order and get every reply`, async () => {
      const station = recorder(echo);
      await withListener({ handler: station.handler }, async (listener) => {
        const client = createEndpoint(framing, "client", {
          host: `127.0.0.1:${listener.port}`,
        });
        const parts = [
          client.start() ?? new Uint8Array(0),
          ...MESSAGES.map((m) => client.encodeMessage(utf8(m)).bytes),
        ];
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
        const raw = await RawClient.connect(listener.port);
        try {
          if (mode === "1-byte writes") await raw.writeBytewise(bytes);
          else await raw.write(bytes);
          await station.waitForPayloads(MESSAGES.length);
          const delivered = [...station.payloads.values()].flat();
          assert.deepEqual(delivered, MESSAGES.map((m) => [m]));
          const events = await collect(
            raw,
            client,
            (es) => linesOf(es).length >= MESSAGES.length,
          );
          assert.deepEqual(linesOf(events), MESSAGES.map(echo));
        } finally {
          raw.close();
        }
        assert.deepEqual(station.errors, []);
      });
    });
  }
}

Deno.test("loopback [mtp]: several clients at once each get exactly their own replies (batched writes in pooled buffers)", async () => {
  const station = recorder(echo);
  const count = 300;
  await withListener({ handler: station.handler }, async (listener) => {
    const clients = await Promise.all([0, 1, 2, 3].map(async (c) => {
      const endpoint = createEndpoint("mtp", "client", {});
      const messages = Array.from(
        { length: count },
        (_, i) => `{"client":${c},"n":${i},"pad":"${"x".repeat(200 + c)}"}`,
      );
      const parts = messages.map((m) => endpoint.encodeMessage(utf8(m)).bytes);
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
      return {
        raw: await RawClient.connect(listener.port),
        endpoint,
        messages,
        bytes,
      };
    }));
    try {
      await Promise.all(
        clients.map((client) => client.raw.write(client.bytes)),
      );
      for (const client of clients) {
        const events = await collect(
          client.raw,
          client.endpoint,
          (es) => linesOf(es).length >= count,
          10_000,
        );
        assert.deepEqual(linesOf(events), client.messages.map(echo));
      }
    } finally {
      for (const client of clients) client.raw.close();
    }
    assert.deepEqual(station.errors, []);
  });
});

Deno.test("loopback [mtp]: clients taking turns with 1.3 KB texts and short ones get every text intact (read buffers grown and shrunk, swapped between connections)", async () => {
  const station = recorder(echo);
  const rounds = 12;
  await withListener({ handler: station.handler }, async (listener) => {
    const clients = await Promise.all([0, 1, 2, 3].map(async (c) => ({
      c,
      raw: await RawClient.connect(listener.port),
      endpoint: createEndpoint("mtp", "client", {}),
      sent: [] as string[],
    })));
    try {
      // one write and its echo at a time, so that the station reads each
      // text alone: a 1.3 KB one fills a 1 KiB buffer (grown), a short one
      // shrinks it back; the four connections interleave
      for (let round = 0; round < rounds; round++) {
        await Promise.all(clients.map(async (client) => {
          for (const size of [1300, 40, 1300, 2900, 20]) {
            const message = `{"c":${client.c},"r":${round},"s":${size},"p":"${
              String.fromCharCode(97 + (round + client.c) % 26).repeat(size)
            }"}`;
            client.sent.push(message);
            await client.raw.write(
              client.endpoint.encodeMessage(utf8(message)).bytes,
            );
            const events = await collect(
              client.raw,
              client.endpoint,
              (es) => linesOf(es).length >= 1,
            );
            assert.deepEqual(linesOf(events), [echo(message)]);
          }
        }));
      }
    } finally {
      for (const client of clients) client.raw.close();
    }
    const delivered = [...station.payloads.values()].flat().flat();
    assert.deepEqual(
      delivered.toSorted(),
      clients.flatMap((client) => client.sent).toSorted(),
    );
    assert.deepEqual(station.errors, []);
  });
});

Deno.test("loopback [mtp]: replies made at the flush — small, 30 KB, non-ASCII, one larger than the write buffer — arrive whole and in order", async () => {
  const station = recorder(echo);
  const messages = [
    '{"n":0}',
    `{"n":1,"p":"${"a".repeat(30_000)}"}`,
    `{"n":2,"p":"${"é".repeat(20_000)}"}`,
    '{"n":3}',
    `{"n":4,"p":"${"€".repeat(25_000)}"}`, // 75 KB of UTF-8: written alone
    `{"n":5,"p":"${"b".repeat(30_000)}"}`,
    '{"n":6,"p":"ü"}',
  ];
  await withListener({ handler: station.handler }, async (listener) => {
    const client = createEndpoint("mtp", "client", {});
    const parts = messages.map((m) => client.encodeMessage(utf8(m)).bytes);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
    const raw = await RawClient.connect(listener.port);
    try {
      await raw.write(bytes);
      const events = await collect(
        raw,
        client,
        (es) => linesOf(es).length >= messages.length,
        10_000,
      );
      assert.deepEqual(linesOf(events), messages.map(echo));
    } finally {
      raw.close();
    }
    assert.deepEqual(station.errors, []);
  });
});
