// The queues view (lag, parallelism, paused; pause, resume, set parallelism, delete) and the
// flow-control view (counts, wait list; pause, resume, pin, unpin, reset rate).
"use strict";

async function queuesView() {
  const list = await api("GET", "/v2/queues");
  const rows = list.map((q) => {
    const name = enc(q.name);
    return h("tr", { class: "queue", "data-name": q.name },
      h("td", {}, q.name), h("td", { class: "lag" }, q.lag), h("td", { class: "parallelism" }, q.parallelism),
      h("td", { class: "state" }, q.paused ? "paused" : "active"),
      h("td", {},
        q.paused
          ? button("resume-" + q.name, "Resume", () => api("POST", `/v2/queues/${name}/resume`))
          : button("pause-" + q.name, "Pause", () => api("POST", `/v2/queues/${name}/pause`)),
        button("delete-" + q.name, "Delete", () => api("DELETE", `/v2/queues/${name}`))));
  });
  return [
    h("h2", {}, "Queues"),
    form("queue", [
      h("input", { name: "queueName", placeholder: "queue name" }),
      h("input", { name: "parallelism", placeholder: "parallelism", size: 8, value: "1" }),
    ], "Create or update", (data) => {
      const raw = data.get("parallelism");
      // Sent as typed when it is no number, so the API names the field in its answer.
      const parallelism = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      return api("POST", "/v2/queues", { queueName: data.get("queueName"), parallelism });
    }),
    h("table", { id: "queues" },
      h("tr", {}, ["queue", "lag", "parallelism", "state", ""].map((t) => h("th", {}, t))), rows),
    list.length ? null : h("p", { id: "queues-empty" }, "No queues."),
  ];
}

async function flowView() {
  const list = await api("GET", "/v2/flowControl");
  const rows = list.map((f) => {
    const key = enc(f.flowControlKey);
    const pinned = [f.isPinnedParallelism ? "parallelism" : null, f.isPinnedRate ? "rate" : null].filter(Boolean);
    return h("tr", { class: "flow", "data-key": f.flowControlKey },
      h("td", {}, f.flowControlKey), h("td", { class: "waiting" }, f.waitListSize),
      h("td", { class: "parallelism" }, `${f.parallelismCount} / ${f.parallelismMax || "∞"}`),
      h("td", { class: "rate" }, `${f.rateCount} / ${f.rateMax || "∞"} per ${f.ratePeriod}s`),
      h("td", { class: "state" }, f.isPaused ? "paused" : "active", pinned.length ? ` · pinned ${pinned.join(", ")}` : ""),
      h("td", {},
        f.isPaused
          ? button("flow-resume-" + f.flowControlKey, "Resume", () => api("POST", `/v2/flowControl/${key}/resume`))
          : button("flow-pause-" + f.flowControlKey, "Pause", () => api("POST", `/v2/flowControl/${key}/pause`)),
        button("flow-reset-" + f.flowControlKey, "Reset rate", () => api("POST", `/v2/flowControl/${key}/resetRate`)),
        pinned.length ? button("flow-unpin-" + f.flowControlKey, "Unpin",
          () => api("POST", `/v2/flowControl/${key}/unpin?parallelism=true&rate=true`)) : null,
        form("flow-pin-" + f.flowControlKey, ["parallelism", "rate", "period"].map((name) =>
          h("input", { name, placeholder: name, size: 6 })), "Pin", (data) => {
          const query = new URLSearchParams();
          for (const [name, value] of data.entries()) if (value) query.set(name, value);
          return api("POST", `/v2/flowControl/${key}/pin?` + query.toString());
        })));
  });
  return [
    h("h2", {}, "Flow-control keys"),
    h("table", { id: "flows" },
      h("tr", {}, ["key", "waiting", "parallelism", "rate", "state", ""].map((t) => h("th", {}, t))), rows),
    list.length ? null : h("p", { id: "flows-empty" }, "No flow-control keys."),
  ];
}

VIEWS.queues = { render: queuesView, kinds: ["queues", "enqueue", "messages"] };
VIEWS.flow = { render: flowView, kinds: ["flowControl", "messages"] };
