// The dashboard's routing (hash URLs, one per view) and its live feed: a "changed" notice
// names the kinds of state that changed, and the page refetches the view it shows only
// when that view watches one of them.
"use strict";

function route() {
  const parts = (location.hash.replace(/^#\/?/, "") || "overview").split("/");
  if (parts[0] === "messages" && parts[1]) {
    const id = decodeURIComponent(parts[1]);
    return { name: "messages", ...VIEWS.message, render: () => message(id) };
  }
  const name = VIEWS[parts[0]] ? parts[0] : "overview";
  return { name, ...VIEWS[name] };
}

// What the user typed into a form and has not sent: a live re-render must not wipe it.
function typed() {
  const kept = new Map();
  for (const el of view().querySelectorAll("form[id] input:not([type=checkbox]), form[id] textarea")) {
    if (el.value !== el.defaultValue) kept.set(el.form.id + "\u0000" + el.name, el.value);
  }
  return kept;
}

function retype(kept) {
  for (const el of view().querySelectorAll("form[id] input:not([type=checkbox]), form[id] textarea")) {
    const key = el.form.id + "\u0000" + el.name;
    if (kept.has(key)) el.value = kept.get(key);
  }
}

let refreshing = null;
let again = false;

async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const shown = route();
      try {
        const content = await shown.render();
        const kept = typed();
        view().replaceChildren(...content.filter((c) => c !== null));
        retype(kept);
      } catch (exc) {
        view().replaceChildren(h("p", { class: "error" }, exc.message));
      }
      for (const link of document.querySelectorAll("nav a")) {
        link.classList.toggle("active", link.getAttribute("href") === "#/" + shown.name);
      }
    } while (again);
    refreshing = null;
    document.body.dataset.rendered = String(Date.now());
  })();
  return refreshing;
}

function watches(kinds) {
  const shown = route();
  // A reset empties every kind of state at once.
  if (shown.kinds === null || kinds.includes("reset")) return true;
  return kinds.some((kind) => shown.kinds.includes(kind));
}

function listen() {
  const live = document.getElementById("live");
  const source = new EventSource("stream");
  source.onopen = () => { live.textContent = "● live"; live.className = "on"; };
  source.onerror = () => { live.textContent = "○ offline"; live.className = ""; };
  source.addEventListener("changed", (event) => { if (watches(JSON.parse(event.data))) refresh(); });
}

async function start() {
  config = await (await fetch("config")).json();
  window.addEventListener("hashchange", () => {
    for (const entry of Object.values(VIEWS)) if (entry.reset) entry.reset();
    refresh();
  });
  listen();
  await refresh();
}

start();
