// The DLQ view: failed messages with their last response; retry or delete one or the selected.
"use strict";

let dlqCursor = null;
const dlqSelected = new Set(); // dlqIds ticked; kept across live re-renders

async function dlqView() {
  const page = await api("GET", "/v2/dlq" + (dlqCursor ? "?cursor=" + enc(dlqCursor) : ""));
  const shown = new Set(page.messages.map((m) => m.dlqId));
  for (const id of [...dlqSelected]) if (!shown.has(id)) dlqSelected.delete(id);
  const rows = page.messages.map((m) => h("tr", { class: "dlq", "data-id": m.dlqId, "data-message": m.messageId },
    h("td", {}, h("input", { type: "checkbox", class: "pick", checked: dlqSelected.has(m.dlqId),
      onchange: (event) => { if (event.target.checked) dlqSelected.add(m.dlqId); else dlqSelected.delete(m.dlqId); } })),
    h("td", {}, h("a", { href: "#/messages/" + enc(m.messageId) }, m.messageId)),
    h("td", {}, m.url),
    h("td", { class: "status" }, m.responseStatus || "no response"),
    h("td", {}, h("pre", {}, m.responseBody ?? m.error ?? "")),
    h("td", {}, time(m.createdAt)),
    h("td", {},
      button("retry-" + m.dlqId, "Retry", () => api("POST", "/v2/dlq/retry/" + enc(m.dlqId))),
      button("delete-" + m.dlqId, "Delete", () => api("DELETE", "/v2/dlq/" + enc(m.dlqId))))));
  // Without dlqIds the API acts on every entry: an empty selection must never reach it.
  const selected = () => {
    if (!dlqSelected.size) throw new Error("Select at least one entry.");
    return { dlqIds: [...dlqSelected] };
  };
  return [
    h("h2", {}, "Dead-letter queue"),
    h("p", {},
      button("retry-selected", "Retry selected", async () => { await api("POST", "/v2/dlq/retry", selected()); dlqSelected.clear(); }),
      button("delete-selected", "Delete selected", async () => { await api("DELETE", "/v2/dlq", selected()); dlqSelected.clear(); })),
    h("table", { id: "dlq" },
      h("tr", {}, ["", "message", "destination", "last status", "last response", "created", ""].map((t) => h("th", {}, t))),
      rows),
    page.messages.length ? null : h("p", { id: "dlq-empty" }, "The DLQ is empty."),
    dlqCursor ? h("button", { id: "dlq-first", onclick: () => { dlqCursor = null; refresh(); } }, "First page") : null,
    page.cursor ? h("button", { id: "dlq-next", onclick: () => { dlqCursor = page.cursor; refresh(); } }, "Next page") : null,
  ];
}

VIEWS.dlq = { render: dlqView, kinds: ["dlq", "messages"], reset: () => { dlqCursor = null; } };
