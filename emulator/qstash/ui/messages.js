// The dashboard's first views: overview, pending messages, one message's detail, time and faults.
"use strict";

let pageCursor = "0";
let filterQuery = "";

async function overview() {
  const [clock, counts, keys] = await Promise.all([
    api("GET", "/_emulator/clock"), api("GET", "/_emulator/ui/counts"), api("GET", "/v2/keys"),
  ]);
  const labels = { inFlight: "in flight", delivered: "delivered (since start)", failed: "failed (since start)" };
  const card = (name, value) => h("div", { class: "card", id: "count-" + name }, h("b", {}, value), labels[name] || name);
  return [
    h("h2", {}, "Clock"),
    h("p", { id: "clock" }, `${time(clock.now)} · ${clock.mode} clock · next due ${time(clock.nextDue)}`,
      clock.paused ? " · deliveries paused" : ""),
    h("h2", {}, "Counts"),
    h("div", { class: "cards" }, Object.entries(counts).map(([k, v]) => card(k, v))),
    h("h2", {}, "Signing keys"),
    h("table", {}, h("tr", {}, h("th", {}, "current"), h("td", { id: "current-key" }, keys.current)),
      h("tr", {}, h("th", {}, "next"), h("td", { id: "next-key" }, keys.next))),
    button("rotate", "Rotate keys", () => api("POST", "/v2/keys/rotate")),
    h("h2", {}, "Environment"),
    h("pre", { id: "env" }, config.env.join("\n")),
  ];
}

async function messages() {
  const params = new URLSearchParams(filterQuery);
  params.set("cursor", pageCursor);
  const page = await api("GET", "/_emulator/messages?" + params.toString());
  const filter = form("filters", ["url", "queueName", "label", "flowControlKey"].map((name) =>
    h("input", { name, placeholder: name, value: new URLSearchParams(filterQuery).get(name) || "" })),
  "Filter", async (data) => {
    const query = new URLSearchParams();
    for (const [key, value] of data.entries()) if (value) query.set(key, value);
    await api("GET", "/_emulator/messages?count=1&" + query.toString()); // the API judges it
    filterQuery = query.toString();
    pageCursor = "0";
  });
  const rows = page.messages.map((m) => h("tr", { class: "message", "data-id": m.messageId },
    h("td", {}, h("a", { href: "#/messages/" + m.messageId }, m.messageId)),
    h("td", {}, m.url), h("td", {}, time(m.nextDeliveryTime)), h("td", {}, m.attempt),
    h("td", {}, (m.labels || []).join(", ")), h("td", {}, m.flowControlKey || ""),
    h("td", {}, m.queueName || ""),
    h("td", {}, button("cancel-" + m.messageId, "Cancel", () => api("DELETE", "/v2/messages/" + m.messageId)))));
  return [
    h("h2", {}, "Pending messages ", h("small", { id: "total" }, page.total === null ? "" : `(${page.total})`)),
    filter,
    button("cancel-matching", filterQuery ? "Cancel all matching" : "Cancel all", async () => {
      if (!confirm("Cancel every matching message?")) return;
      const query = filterQuery ? "?" + filterQuery + "&count=1000000" : "?count=1000000";
      await api("DELETE", "/v2/messages" + query);
    }),
    h("table", { id: "messages" },
      h("tr", {}, ["message", "destination", "next delivery", "attempt", "labels", "flow-control key", "queue", ""].map((t) => h("th", {}, t))),
      rows),
    pageCursor !== "0" ? h("button", { id: "first-page", onclick: () => { pageCursor = "0"; refresh(); } }, "First page") : null,
    page.cursor ? h("button", { id: "next-page", onclick: () => { pageCursor = page.cursor; refresh(); } }, "Next page") : null,
  ];
}

function claims(headers) {
  const signature = headers["Upstash-Signature"] || headers["upstash-signature"];
  if (!signature) return null;
  const payload = signature.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload + "=".repeat((4 - (payload.length % 4)) % 4)));
}

function headerText(headers) {
  return Object.entries(headers).map(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`).join("\n")).join("\n");
}

// One transcript entry: the request QStash sent and what came back.
function attemptView(d) {
  return h("div", { class: "attempt" },
    h("b", {}, `attempt ${d.attempt} at ${time(d.time)}: `),
    h("span", { class: "status" }, d.status === null ? "no response" : `status ${d.status}`),
    d.error ? ` (${d.error})` : "", d.fault ? ` [fault: ${d.fault}]` : "",
    h("span", { class: "duration" }, d.durationMs === null ? "" : ` in ${d.durationMs} ms`),
    h("div", {}, `${d.method} ${d.url}`),
    h("div", {}, "request headers"),
    h("pre", { class: "request-headers" }, headerText(d.headers)),
    h("div", {}, "request body"),
    h("pre", { class: "request-body" }, d.body),
    claims(d.headers) ? [h("div", {}, "signature claims"), h("pre", { class: "claims" }, JSON.stringify(claims(d.headers), null, 2))] : null,
    h("div", {}, "response headers"),
    h("pre", { class: "response-headers" }, headerText(d.responseHeaders || {})),
    h("div", {}, "response body", d.responseBodyTruncated ? " (truncated)" : ""),
    h("pre", { class: "response-body" }, d.responseBody || ""));
}

async function message(id) {
  const [events, deliveries, calledBack] = await Promise.all([
    api("GET", "/v2/events?messageId=" + encodeURIComponent(id)),
    api("GET", "/_emulator/deliveries?messageId=" + encodeURIComponent(id)),
    api("GET", "/_emulator/deliveries?callbackOf=" + encodeURIComponent(id)),
  ]);
  let pending = null;
  try { pending = await api("GET", "/v2/messages/" + encodeURIComponent(id)); } catch (exc) { pending = null; }
  const ordered = events.events.slice().reverse(); // the API lists newest first
  const attempts = deliveries.deliveries.map(attemptView);
  // The URLs: from the pending message, else from an attempt (a settled message is gone).
  const known = pending || deliveries.deliveries[0] || {};
  const callback = known.callback || null;
  const failureCallback = known.failureCallback || null;
  // Each callback is a message of its own; its attempts name this one in callbackOf.
  const callbackAttempts = calledBack.deliveries.map((d) => h("div", { class: "callback-delivery" },
    h("div", { class: "callback-kind" },
      [d.url === callback ? "callback" : null, d.url === failureCallback ? "failure callback" : null]
        .filter(Boolean).join(" / ") || "callback",
      " message ", h("a", { href: "#/messages/" + d.messageId }, d.messageId)),
    attemptView(d)));
  return [
    h("h2", {}, "Message ", h("code", {}, id)),
    pending ? h("p", { id: "actions" },
      button("cancel", "Cancel", () => api("DELETE", "/v2/messages/" + encodeURIComponent(id))),
      button("deliver-now", "Deliver now", () => api("POST", `/_emulator/messages/${encodeURIComponent(id)}/deliver`)))
      : h("p", {}, "Not pending."),
    pending ? h("pre", { id: "message-json" }, JSON.stringify(pending, null, 2)) : null,
    h("h3", {}, "Events"),
    h("table", { id: "events" }, h("tr", {}, h("th", {}, "time"), h("th", {}, "state"), h("th", {}, "detail")),
      ordered.map((e) => h("tr", { class: "event" }, h("td", {}, time(e.time)), h("td", {}, e.state),
        h("td", {}, e.error || (e.nextDeliveryTime ? "next " + time(e.nextDeliveryTime) : ""))))),
    h("h3", {}, "Delivery attempts"),
    h("div", { id: "attempts" }, attempts.length ? attempts : "none yet"),
    h("h3", {}, "Callbacks"),
    h("table", { id: "callback-urls" },
      h("tr", {}, h("th", {}, "callback"), h("td", { id: "callback-url" }, callback || "none")),
      h("tr", {}, h("th", {}, "failure callback"), h("td", { id: "failure-callback-url" }, failureCallback || "none"))),
    h("div", { id: "callbacks" }, callbackAttempts.length ? callbackAttempts : "no callback sent yet"),
  ];
}

async function timeView() {
  const [clock, faults] = await Promise.all([api("GET", "/_emulator/clock"), api("GET", "/_emulator/faults")]);
  return [
    h("h2", {}, "Clock"),
    h("p", { id: "clock" }, `${time(clock.now)} · ${clock.mode} clock · ${clock.pending} pending · next due ${time(clock.nextDue)}`),
    form("advance", h("input", { name: "advance", placeholder: "duration, e.g. 30s" }), "Advance",
      (data) => api("POST", "/_emulator/clock", { advance: data.get("advance") })),
    h("p", {},
      button("drain", "Drain", () => api("POST", "/_emulator/drain")),
      button("run-until-idle", "Run until idle", () => api("POST", "/_emulator/run-until-idle")),
      button("mode", clock.mode === "manual" ? "Switch to system clock" : "Switch to manual clock",
        () => api("POST", "/_emulator/clock", { mode: clock.mode === "manual" ? "system" : "manual" }))),
    h("h2", {}, "Faults"),
    form("fault", [
      h("input", { name: "url", placeholder: "URL pattern" }),
      h("select", { name: "kind" }, ["status", "timeout", "duplicate", "delay", "corrupt_signature"].map((k) => h("option", {}, k))),
      h("input", { name: "status", placeholder: "status", size: 5 }),
      h("input", { name: "delay", placeholder: "delay, e.g. 5s", size: 8 }),
      h("input", { name: "count", placeholder: "count", size: 5, value: "1" }),
    ], "Add fault", (data) => {
      const fault = { url: data.get("url"), kind: data.get("kind"), count: Number(data.get("count")) };
      if (data.get("status")) fault.status = Number(data.get("status"));
      if (data.get("delay")) fault.delay = data.get("delay");
      return api("POST", "/_emulator/faults", fault);
    }),
    h("table", { id: "faults" }, h("tr", {}, ["url", "kind", "remaining", "status"].map((t) => h("th", {}, t))),
      faults.faults.map((f) => h("tr", { class: "fault" }, h("td", {}, f.url), h("td", {}, f.kind), h("td", {}, f.count), h("td", {}, f.status || "")))),
    button("clear-faults", "Clear faults", () => api("DELETE", "/_emulator/faults")),
  ];
}


VIEWS.overview = { render: overview, kinds: null };
VIEWS.messages = { render: messages, kinds: null, reset: () => { pageCursor = "0"; } };
VIEWS.message = { render: message, kinds: null };
VIEWS.time = { render: timeView, kinds: null };
