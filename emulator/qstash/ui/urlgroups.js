// The URL groups view: each group's endpoints; add or remove an endpoint, delete a group.
"use strict";

async function urlGroupsView() {
  const list = await api("GET", "/v2/topics");
  const groups = list.map((g) => {
    const name = enc(g.name);
    return h("div", { class: "group", "data-name": g.name },
      h("h3", {}, g.name, " ", button("delete-group-" + g.name, "Delete group", () => api("DELETE", `/v2/topics/${name}`))),
      h("table", {}, g.endpoints.map((e) => h("tr", { class: "endpoint", "data-url": e.url },
        h("td", {}, e.name || ""), h("td", {}, e.url),
        h("td", {}, button("remove-" + g.name + "-" + e.url, "Remove",
          () => api("DELETE", `/v2/topics/${name}/endpoints`, { endpoints: [{ url: e.url }] })))))));
  });
  return [
    h("h2", {}, "URL groups"),
    form("endpoint", [
      h("input", { name: "group", placeholder: "URL group" }),
      h("input", { name: "url", placeholder: "endpoint URL", size: 40 }),
      h("input", { name: "name", placeholder: "endpoint name (optional)" }),
    ], "Add endpoint", (data) => {
      const endpoint = { url: data.get("url") };
      if (data.get("name")) endpoint.name = data.get("name");
      return api("POST", `/v2/topics/${enc(data.get("group"))}/endpoints`, { endpoints: [endpoint] });
    }),
    h("div", { id: "groups" }, groups),
    list.length ? null : h("p", { id: "groups-empty" }, "No URL groups."),
  ];
}

VIEWS.groups = { render: urlGroupsView, kinds: ["topics"] };
