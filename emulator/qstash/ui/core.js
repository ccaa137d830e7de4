// The QStash emulator's dashboard: plain JS, no framework, no build step. This file holds what
// every view shares; each view file registers itself in VIEWS; app.js routes and listens.
"use strict";

let config = null;

// name -> {render, kinds}: `kinds` are the change kinds of the live feed that make the view
// refetch (null: any change; []: none, e.g. a form the user is typing into).
const VIEWS = {};

const view = () => document.getElementById("view");

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "checked") el.checked = Boolean(value);
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// A call to the emulator; a non-2xx answer throws with the API's own error text. `raw` sends
// the body as is (with `headers`), otherwise it is sent as JSON.
async function api(method, path, body, { headers = {}, raw = false } = {}) {
  const sent = { ...headers };
  if (path.startsWith("/v2/")) sent.Authorization = "Bearer " + config.token;
  if (body !== undefined && !raw) sent["Content-Type"] = "application/json";
  const payload = body === undefined ? undefined : raw ? body : JSON.stringify(body);
  const response = await fetch(path, { method, headers: sent, body: payload });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (exc) { data = { error: text }; }
  if (!response.ok) throw new Error((data && data.error) || response.statusText);
  return data;
}

function time(msValue) {
  return msValue === null || msValue === undefined ? "—" : new Date(msValue).toISOString().replace(".000Z", "Z");
}

// A form whose submit runs `action`; an API error shows beside it in the API's own words.
function form(id, fields, label, action) {
  const error = h("span", { class: "error", id: id + "-error" });
  const el = h("form", { id, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    try { await action(new FormData(el)); await refresh(); } catch (exc) { error.textContent = exc.message; }
  } }, fields, h("button", { type: "submit" }, label), error);
  return el;
}

// A button whose API error shows beside it (element id + "-error") until the next render.
function button(id, label, action) {
  const error = h("span", { class: "error", id: id + "-error" });
  return h("span", { class: "action" }, h("button", { id, type: "button", onclick: async () => {
    error.textContent = "";
    try { await action(); await refresh(); } catch (exc) { error.textContent = exc.message; }
  } }, label), error);
}

function enc(value) {
  return encodeURIComponent(value);
}
