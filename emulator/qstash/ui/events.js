// The events view (the API's filters, applied by the server, paged by its cursor) and the
// publish view (a form for POST /v2/publish that shows the API's answer).
"use strict";

const EVENT_FILTERS = ["state", "messageId", "url", "label", "scheduleId", "queueName", "flowControlKey", "fromDate", "toDate"];
let eventsQuery = "";
let eventsCursor = null;

async function eventsView() {
  const params = new URLSearchParams(eventsQuery);
  params.set("count", "100");
  if (eventsCursor) params.set("cursor", eventsCursor);
  const page = await api("GET", "/v2/events?" + params.toString());
  const current = new URLSearchParams(eventsQuery);
  const filter = form("event-filters", EVENT_FILTERS.map((name) =>
    h("input", { name, placeholder: name, size: 12, value: current.get(name) || "" })),
  "Filter", async (data) => {
    const query = new URLSearchParams();
    for (const [key, value] of data.entries()) if (value) query.set(key, value);
    await api("GET", "/v2/events?count=1&" + query.toString()); // the API judges the filters
    eventsQuery = query.toString();
    eventsCursor = null;
  });
  const rows = page.events.map((e) => h("tr", { class: "event", "data-message": e.messageId },
    h("td", {}, time(e.time)), h("td", { class: "state" }, e.state),
    h("td", {}, h("a", { href: "#/messages/" + enc(e.messageId) }, e.messageId)),
    h("td", {}, e.url), h("td", {}, (e.labels || []).join(", ")),
    h("td", {}, e.error || (e.responseStatus ? "status " + e.responseStatus : ""))));
  return [
    h("h2", {}, "Events ", h("small", {}, "newest first")),
    filter,
    h("table", { id: "event-log" },
      h("tr", {}, ["time", "state", "message", "destination", "labels", "detail"].map((t) => h("th", {}, t))), rows),
    eventsCursor ? h("button", { id: "events-first", onclick: () => { eventsCursor = null; refresh(); } }, "First page") : null,
    page.cursor ? h("button", { id: "events-next", onclick: () => { eventsCursor = page.cursor; refresh(); } }, "Next page") : null,
  ];
}

let publishDraft = { destination: "", body: "", headers: "", delay: "" };
let publishAnswer = null;

// "Name: value" lines to a headers object; a line without a colon is the user's mistake.
function headerLines(text) {
  const headers = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(":");
    if (colon < 1) throw new Error(`header line ${JSON.stringify(line)} has no "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

async function publishView() {
  const field = (name, attrs) => h("label", {}, name + " ", h("input", { name, value: publishDraft[name], ...attrs }));
  const publish = form("publish", [
    field("destination", { size: 50, placeholder: "https://… or a URL group" }),
    field("delay", { size: 8, placeholder: "e.g. 30s" }),
    h("div", {}, h("textarea", { name: "headers", rows: 3, cols: 60, placeholder: "Header-Name: value, one a line (Upstash-Forward-Name to forward one)" }, publishDraft.headers)),
    h("div", {}, h("textarea", { name: "body", rows: 5, cols: 60, placeholder: "body" }, publishDraft.body)),
  ], "Publish", async (data) => {
    publishDraft = Object.fromEntries(["destination", "body", "headers", "delay"].map((k) => [k, data.get(k)]));
    publishAnswer = null;
    const headers = headerLines(publishDraft.headers);
    if (publishDraft.delay) headers["Upstash-Delay"] = publishDraft.delay;
    publishAnswer = await api("POST", "/v2/publish/" + publishDraft.destination, publishDraft.body, { headers, raw: true });
  });
  return [
    h("h2", {}, "Publish"),
    publish,
    publishAnswer ? h("pre", { id: "publish-answer" }, JSON.stringify(publishAnswer, null, 2)) : null,
  ];
}

VIEWS.events = { render: eventsView, kinds: ["messages"], reset: () => { eventsCursor = null; } };
VIEWS.publish = { render: publishView, kinds: [] };
