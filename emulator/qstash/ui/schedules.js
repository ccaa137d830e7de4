// The schedules view: cron, destination, next and last run, state; pause, resume, delete, trigger.
"use strict";

async function schedulesView() {
  const list = await api("GET", "/v2/schedules");
  const rows = list.map((s) => {
    const id = enc(s.scheduleId);
    return h("tr", { class: "schedule", "data-id": s.scheduleId },
      h("td", {}, s.scheduleId), h("td", {}, h("code", {}, s.cron)), h("td", {}, s.destination),
      h("td", { class: "next" }, time(s.nextScheduleTime)), h("td", { class: "last" }, time(s.lastScheduleTime)),
      h("td", { class: "state" }, s.isPaused ? "paused" : "active", s.error ? ` (${s.error})` : ""),
      h("td", {},
        s.isPaused
          ? button("resume-" + s.scheduleId, "Resume", () => api("PATCH", `/v2/schedules/${id}/resume`))
          : button("pause-" + s.scheduleId, "Pause", () => api("PATCH", `/v2/schedules/${id}/pause`)),
        button("trigger-" + s.scheduleId, "Trigger now", () => api("POST", `/_emulator/schedules/${id}/trigger`)),
        button("delete-" + s.scheduleId, "Delete", () => api("DELETE", `/v2/schedules/${id}`))));
  });
  return [
    h("h2", {}, "Schedules"),
    h("table", { id: "schedules" },
      h("tr", {}, ["schedule", "cron", "destination", "next run", "last run", "state", ""].map((t) => h("th", {}, t))),
      rows),
    list.length ? null : h("p", { id: "schedules-empty" }, "No schedules."),
  ];
}

VIEWS.schedules = { render: schedulesView, kinds: ["schedules", "messages", "clock"] };
