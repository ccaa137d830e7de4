// Drives the QStash emulator with the official TypeScript SDK (@upstash/qstash), for
// test_typescript_sdk.py. Protocol: prints one JSON line after publishing, reads one JSON line
// (the delivery the test's receiver got) from stdin, prints one JSON line of verdicts.
import http from "node:http";
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";
import readline from "node:readline";

// Nothing may leave the machine: should the dev-mode probe fail, the SDK would try to
// download the official dev server. Refuse every non-loopback request instead.
const hostOf = (target) => {
  if (typeof target === "string" || target instanceof URL) return new URL(target).hostname;
  if (target?.url) return new URL(target.url).hostname; // a fetch Request
  return target?.hostname ?? target?.host ?? "localhost"; // http.request options
};
const isLoopback = (target) => ["127.0.0.1", "localhost", "[::1]", "::1"].includes(hostOf(target));
const refuse = (target) => {
  throw new Error(`network disabled in this test: ${target}`);
};
for (const module of [http, https]) {
  for (const name of ["get", "request"]) {
    const original = module[name];
    module[name] = (target, ...rest) =>
      isLoopback(target) ? original(target, ...rest) : refuse(target);
  }
}
syncBuiltinESMExports();
const originalFetch = globalThis.fetch;
globalThis.fetch = (target, init) =>
  isLoopback(target) ? originalFetch(target, init) : Promise.reject(refuse(target));

const env = process.env;
const { Client, Receiver, startDevServer } = await import(env.SDK_ENTRY);

const logs = [];
const originalLog = console.log;
console.log = (...args) => logs.push(args.join(" "));

// (a) a client pointed at the emulator publishes JSON to the test's receiver.
const client = new Client({ baseUrl: env.EMULATOR_URL, token: env.EMULATOR_TOKEN });
const published = await client.publishJSON({
  url: env.RECEIVER_URL,
  body: { hello: "from node", n: 1 },
  headers: { "X-From": "typescript-sdk" },
});

// (c) dev mode: the SDK probes GET /v2/keys on 127.0.0.1:$QSTASH_DEV_PORT with the dev token
// and uses the server only if it answers exactly the default key pair.
await startDevServer();
const devClient = new Client({ devMode: true });
const pending = await devClient.messages.get(published.messageId);

console.log = originalLog;
console.log(JSON.stringify({ messageId: published.messageId, pendingUrl: pending.url, logs }));

const lines = readline.createInterface({ input: process.stdin });
const delivery = JSON.parse((await lines[Symbol.asyncIterator]().next()).value);
lines.close();

// (b) the delivered signature, checked by the SDK's Receiver.
const verdict = async (receiver, request) => {
  try {
    return await receiver.verify(request);
  } catch (error) {
    return `rejected: ${error.message}`;
  }
};
const keys = { currentSigningKey: env.CURRENT_KEY, nextSigningKey: env.NEXT_KEY };
const request = { signature: delivery.signature, body: delivery.body, url: delivery.url };
console.log(
  JSON.stringify({
    valid: await verdict(new Receiver(keys), request),
    // A receiver that already rotated (its next key is the emulator's current one).
    validAfterRotation: await verdict(
      new Receiver({ currentSigningKey: env.OTHER_KEY, nextSigningKey: env.CURRENT_KEY }),
      request,
    ),
    tamperedBody: await verdict(new Receiver(keys), { ...request, body: delivery.body + " " }),
    otherUrl: await verdict(new Receiver(keys), { ...request, url: delivery.url + "x" }),
    wrongKeys: await verdict(
      new Receiver({ currentSigningKey: env.OTHER_KEY, nextSigningKey: env.OTHER_KEY }),
      request,
    ),
  }),
);
