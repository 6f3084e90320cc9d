// The explorer page: wires search, the network view, the evidence panel and the path finder.
import { ApiError, clear, download, getJSON, h, query } from "./dom.js";
import { GraphView, storedEdge } from "./graph.js";
import { renderLegend } from "./legend.js";
import { Panel, sparqlHref } from "./panel.js";
import { findPaths, renderPathError, renderPaths, showResult } from "./paths.js";
import { Combobox } from "./search.js";

const $ = (id) => document.getElementById(id);
const timings = (window.skgTimings = []);

const state = { view: "empty", name: "", paths: null, selected: null, revision: null };

/** The view as a URL fragment: what it shows, its filters, the store's revision and when. */
function shareHash(params, revision) {
  const at = new Date().toISOString().slice(0, 16) + "Z";
  return `#${query({ ...params, rev: revision, at })}`;
}

/** What a shared link says next to what the server says now. */
function shareNotice(shared, revision) {
  const notice = $("share-notice");
  const when = shared.at ? ` made ${shared.at.replace("T", " ")}` : "";
  if (!shared.rev) {
    notice.hidden = true;
    return;
  }
  const changed = shared.rev !== revision;
  notice.hidden = false;
  notice.dataset.state = changed ? "changed" : "same";
  notice.classList.toggle("changed", changed);
  notice.textContent = changed
    ? `Shared view${when}: the graph has changed since (revision ${shared.rev} then, ${revision} now); `
      + "what you see is the data as it is now, which may differ from what was shared."
    : `Shared view${when}: the graph has not changed since; you see what was shared.`;
}

function status(text) {
  $("status").textContent = text;
}

function numberIn(input, fallback) {
  const value = Number.parseInt(input.value, 10);
  const min = Number.parseInt(input.min, 10);
  const max = Number.parseInt(input.max, 10);
  if (Number.isNaN(value)) return fallback;
  return Math.min(Math.max(value, min), max);
}

/** Resolve once the view has painted the current elements (two animation frames). */
function drawn() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

async function timed(what, work) {
  const started = performance.now();
  document.body.dataset.busy = "true";
  try {
    const result = await work();
    await drawn();
    timings.push({ what, ms: performance.now() - started });
    return result;
  } finally {
    delete document.body.dataset.busy;
  }
}

function describe(error) {
  if (error instanceof ApiError) {
    const options = error.body.candidates || error.body.suggestions || [];
    const names = options.slice(0, 5).map((o) => `${o.label} (${o.id})`).join(", ");
    return `${error.message}${names && !error.message.includes("did you mean") ? ` Candidates: ${names}.` : ""}`;
  }
  return error.message;
}

let shared = null;

function setup(config) {
  renderLegend($("legend"), config.categories);
  const graph = new GraphView($("graph"), config, {
    select: (element) => select(element),
    expand: (node) => expand(node),
    focus: (node) => select(node),
  });
  const actions = {
    expand: (id) => expandEntity(id),
    expandMore: (id) => expandEntity(id, true),
    pathFrom: (entity) => { fromBox.set(entity); $("path-to").focus(); },
    pathTo: (entity) => { toBox.set(entity); $("path-from").focus(); },
    focus: (entity) => focusEntity(entity),
  };
  const panel = new Panel($("panel"), config, actions);
  const nodeLabel = (id) => (graph.available ? graph.cy.getElementById(id).data("label") : id) || id;

  // --- view updates ------------------------------------------------------------------------
  function summary() {
    if (!graph.available) return;
    const entities = graph.cy.nodes('[kind = "entity"]');
    const links = graph.cy.edges('[kind = "link"]');
    let hidden = 0;
    graph.cy.nodes('[kind = "more"]').forEach((n) => { hidden += n.data("total") - n.data("shown"); });
    status(`${entities.length} entities and ${links.length} links shown`
      + (hidden ? `; ${hidden} more neighbours not shown (double-click a “+N more” node)` : "")
      + (state.view === "paths" ? "; found paths highlighted" : "") + ".");
    $("in-view-count").textContent = String(entities.length);
    const list = clear($("in-view"));
    entities.sort((a, b) => a.data("label").localeCompare(b.data("label"))).forEach((n) => {
      list.append(h("li", {}, h("button", { type: "button", onclick: () => focusEntity({ id: n.id() }) },
        n.data("label")), ` (${n.data("categoryLabel")})`));
    });
    if ($("view-sources").checked) addSources();
  }

  function addAnswer(answer, near) {
    const added = graph.addNodes(answer.nodes, near);
    answer.edges.forEach((edge) => graph.addEdge(edge));
    for (const more of answer.more || []) graph.setMore(more.id, more.shown, more.total);
    return added;
  }

  function neighbourParams(limit) {
    return query({
      depth: numberIn($("view-depth"), 1),
      limit,
      include_disputed: $("view-denied").checked ? "true" : "false",
    });
  }

  async function loadNeighbourhood(entity) {
    const limit = numberIn($("view-limit"), 25);
    status(`Loading the neighbourhood of ${entity.label || entity.id}…`);
    try {
      const answer = await timed("neighbourhood", async () => {
        const answer = await getJSON(`/entities/${encodeURIComponent(entity.id)}/neighbors?${neighbourParams(limit)}`);
        state.view = "neighbourhood";
        state.revision = answer.revision;
        state.name = answer.entity.id;
        state.paths = null;
        if (!graph.available) return answer;
        graph.clear();
        addAnswer(answer, null);
        graph.cy.getElementById(answer.entity.id).addClass("center");
        layoutAround(answer.entity.id);
        summary();
        const centre = graph.cy.getElementById(answer.entity.id);
        graph.cy.elements().unselect();
        centre.select();
        return answer;
      });
      const view = { view: "entity", entity: answer.entity.id, depth: numberIn($("view-depth"), 1),
        limit, denied: $("view-denied").checked ? "true" : "false" };
      history.replaceState(null, "", shareHash(view, answer.revision));
      if (shared) shareNotice(shared, answer.revision);
      shared = null;
      panel.entity(entity.id, graph.available ? graph.cy.getElementById(entity.id).data("categoryLabel") : "");
      setSparql(entity);
    } catch (error) {
      status(`Could not show ${entity.label || entity.id}: ${describe(error)}`);
    }
  }

  function layoutAround(centreId) {
    const centre = graph.cy.getElementById(centreId);
    const levels = new Map([[centreId, 0]]);
    graph.cy.elements().bfs({
      root: centre,
      visit: (v, e, u, i, depth) => { levels.set(v.id(), depth); },
    });
    graph.cy.layout({
      name: "concentric",
      concentric: (n) => 10 - (levels.get(n.id()) ?? 9),
      levelWidth: () => 1,
      minNodeSpacing: 70,
      animate: false,
      fit: false,
    }).run();
    graph.fit();
  }

  async function expandEntity(id, more = false) {
    if (!graph.available) return;
    const node = graph.cy.getElementById(id);
    const known = graph.more.get(id);
    const step = numberIn($("view-limit"), 25);
    const limit = Math.min(1000, more && known ? known.shown + step : step);
    status(`Expanding ${nodeLabel(id)}…`);
    try {
      await timed("expand", async () => {
        const params = query({ limit, include_disputed: $("view-denied").checked ? "true" : "false" });
        const answer = await getJSON(`/entities/${encodeURIComponent(id)}/neighbors?${params}`);
        if (state.view === "empty") state.view = "neighbourhood";
        else if (state.view === "paths") state.view = "mixed";
        const added = addAnswer(answer, node);
        if (!answer.more.some((m) => m.id === id)) graph.setMore(id, 0, 0);
        summary();
        if (state.selected && state.selected.removed()) {
          const next = graph.cy.getElementById(`more:${id}`);
          select(next.nonempty() ? next : node);
        }
        status(`${$("status").textContent} Added ${added.length} entities next to ${nodeLabel(id)}.`);
      });
    } catch (error) {
      status(`Could not expand ${nodeLabel(id)}: ${describe(error)}`);
    }
  }

  function expand(node) {
    const kind = node.data("kind");
    if (kind === "more") return expandEntity(node.data("owner"), true);
    if (kind === "entity") return expandEntity(node.id());
    return undefined;
  }

  function select(element) {
    state.selected = element;
    const kind = element.data("kind");
    if (kind === "entity") {
      panel.entity(element.id(), element.data("categoryLabel"));
      setSparql({ id: element.id(), iri: element.data("iri"), label: element.data("label") });
      status(`Selected ${element.data("label")} (${element.data("categoryLabel")}).`);
    } else if (kind === "link") {
      panel.link(element, nodeLabel);
      status(`Selected the link ${nodeLabel(element.data("source"))} ${element.data("relationLabel")} ${nodeLabel(element.data("target"))}.`);
    } else if (kind === "more") {
      panel.more(element, nodeLabel(element.data("owner")));
    } else if (kind === "source") {
      panel.source(element);
    }
  }

  function focusEntity(entity) {
    if (graph.available && graph.cy.getElementById(entity.id).nonempty()) {
      const node = graph.cy.getElementById(entity.id);
      graph.cy.elements().unselect();
      node.select();
      graph.cy.animate({ center: { eles: node } }, { duration: 200 });
      select(node);
    } else {
      loadNeighbourhood(entity);
    }
  }

  function setSparql(entity) {
    const link = $("sparql-link");
    if (!entity.iri) return;
    link.href = sparqlHref(config.ontology, entity.iri, entity.label || entity.id);
    link.textContent = "SPARQL editor";
    link.setAttribute("aria-label", `Open the SPARQL editor with a query for ${entity.label || entity.id}`);
  }

  function addSources() {
    graph.cy.edges('[kind = "link"]').forEach((edge) => {
      for (const claim of edge.data("claims") || []) {
        const source = claim.source;
        if (!source) continue;
        const id = `source:${source.id}`;
        if (graph.cy.getElementById(id).empty()) {
          const category = graph.category(["SourceDocument"]);
          const node = graph.cy.add({ group: "nodes", data: {
            id, kind: "source", label: source.publisher ? `${source.publisher} ${source.date || ""}`.trim() : source.title,
            title: source.title, publisher: source.publisher, date: source.date, url: source.url,
            colour: category.colour, shape: category.shape, categoryLabel: category.label } });
          graph.place(node, edge.source());
        }
        for (const end of [edge.data("source"), edge.data("target")]) {
          const cid = `${id}|cites|${end}`;
          if (graph.cy.getElementById(cid).empty()) {
            graph.cy.add({ group: "edges", data: { id: cid, source: id, target: end, kind: "cites", label: "" } }).addClass("cites");
          }
        }
      }
    });
  }

  // --- search ------------------------------------------------------------------------------
  const searchBox = new Combobox($("search"), $("search-list"), { onPick: (hit) => loadNeighbourhood(hit) });
  $("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("search").value.trim();
    if (!text) return;
    if (searchBox.picked) return loadNeighbourhood(searchBox.picked);
    try {
      const answer = await getJSON(`/entities?${query({ q: text, limit: 10 })}`);
      if (!answer.results.length) return status(`No entity matches “${text}”.`);
      searchBox.show(answer.results);
      if (answer.results.length === 1 || answer.results[0].score === 1) searchBox.pick(0);
    } catch (error) {
      status(describe(error));
    }
    return undefined;
  });

  // --- paths -------------------------------------------------------------------------------
  const fromBox = new Combobox($("path-from"), $("path-from-list"));
  const toBox = new Combobox($("path-to"), $("path-to-list"));
  const relations = $("path-relations");
  for (const relation of config.relations.filter((r) => r.traversable)) {
    relations.append(h("option", { value: relation.name }, relation.label));
  }
  $("path-hops").max = String(config.limits.max_hops);
  $("path-k").max = String(config.limits.k);
  $("view-depth").max = String(config.limits.depth);

  function drawPaths(answer) {
    state.view = "paths";
    state.paths = answer;
    state.name = `${answer.source.id}-to-${answer.target.id}`;
    if (!graph.available || !answer.paths.length) return;
    graph.clear();
    for (const path of answer.paths) {
      graph.addNodes(path.nodes, null);
      path.edges.forEach((edge) => {
        graph.addEdge(edge);
        (edge.parallel || []).forEach((other) => graph.addEdge(other));
      });
    }
    graph.layoutPaths(answer.paths);
    highlightPath(null);
    graph.fit();
    summary();
  }

  function highlightPath(index) {
    const chosen = index === null ? state.paths.paths : [state.paths.paths[index]];
    const ids = [];
    for (const path of chosen) {
      path.nodes.forEach((n) => ids.push(n.id));
      path.edges.forEach((e) => ids.push(storedEdge(e).id));
    }
    graph.highlight(ids);
  }

  $("path-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $("path-result");
    showResult(result, h("p", {}, "Searching…"));
    try {
      const answer = await timed("paths", async () => {
        const found = await findPaths(event.target, fromBox, toBox);
        state.revision = found.revision;
        drawPaths(found);
        showResult(result, renderPaths(found, { onShowPath: (i) => graph.available && highlightPath(i) }));
        return found;
      });
      status(answer.paths.length
        ? `${answer.paths.length} path(s) found and highlighted; the hops and their evidence are listed under Find paths.`
        : `No path from ${answer.source.label} to ${answer.target.label}; the reason is under Find paths.`);
      fromBox.set({ id: answer.source.id, label: answer.source.label });
      toBox.set({ id: answer.target.id, label: answer.target.label });
      history.replaceState(null, "", shareHash({ view: "paths", ...answer.query,
        source: answer.source.id, target: answer.target.id }, answer.revision));
      if (shared) shareNotice(shared, answer.revision);
      shared = null;
    } catch (error) {
      showResult(result, renderPathError(error, (entity) => {
        const box = error.message.includes(JSON.stringify(fromBox.reference())) ? fromBox : toBox;
        box.set(entity);
      }));
      status(`Path search failed: ${describe(error)}`);
    }
  });

  // --- view controls and downloads ----------------------------------------------------------
  $("fit").addEventListener("click", () => graph.fit());
  $("clear").addEventListener("click", () => {
    graph.clear();
    state.view = "empty";
    state.paths = null;
    summary();
    panel.message("Select an entity or a link to read its evidence.");
  });
  $("view-sources").addEventListener("change", (event) => {
    if (!graph.available) return;
    if (event.target.checked) addSources();
    else graph.cy.remove('[kind = "source"]');
    summary();
  });

  $("download-png").addEventListener("click", () => {
    if (!graph.available || graph.cy.elements().empty()) return status("Nothing to download: the view is empty.");
    const png = graph.cy.png({ full: true, scale: 2, bg: "#ffffff" });
    download(png, `supplychain-kg-${state.name || "view"}.png`);
    status("PNG of the current view downloaded.");
    return undefined;
  });

  $("download-graphml").addEventListener("click", async () => {
    if (!graph.available || graph.cy.nodes('[kind = "entity"]').empty()) {
      return status("Nothing to download: the view is empty.");
    }
    const body = JSON.stringify(graph.asPathAnswer(state.name || "view"));
    try {
      const response = await fetch(`/export?${query({ format: "graphml" })}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body,
      });
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="?([^";]+)"?/.exec(disposition);
      download(await response.blob(), match ? match[1] : "supplychain-kg-view.graphml");
      status("GraphML of the current view downloaded (every claim on the links shown, denials included).");
    } catch (error) {
      status(`GraphML export failed: ${describe(error)}`);
    }
    return undefined;
  });

  if (!graph.available) {
    $("graph").append(h("p", { class: "error", style: "padding:1rem" },
      "The network view's library (Cytoscape.js) is not installed: this package was built without npm. "
      + "Search, evidence and path listings still work; rebuild with npm to draw the network."));
  }

  $("share").addEventListener("click", async () => {
    if (state.view === "empty") return status("Nothing to share: the view is empty.");
    const link = location.href;
    try {
      await navigator.clipboard.writeText(link);
      status(`Link to this view copied: ${link}`);
    } catch {
      status(`Link to this view (copy it from here): ${link}`);
    }
    return undefined;
  });

  /** Restore the view a shared link describes (an entity's neighbourhood or a path query). */
  function restore(params) {
    shared = { rev: params.get("rev"), at: params.get("at") };
    const checked = (name, fallback) => (params.has(name) ? params.get(name) === "true" : fallback);
    if (params.get("view") === "paths" || (params.get("source") && params.get("target"))) {
      fromBox.set({ id: params.get("source"), label: params.get("source") });
      toBox.set({ id: params.get("target"), label: params.get("target") });
      if (params.get("max_hops")) $("path-hops").value = params.get("max_hops");
      if (params.get("k")) $("path-k").value = params.get("k");
      $("path-disputed").checked = checked("include_disputed", false);
      $("path-hubs").checked = checked("hubs", false);
      $("path-rank").value = params.get("rank") === "hops" ? "hops" : "evidence";
      const wanted = new Set(params.getAll("relation"));
      for (const option of relations.options) option.selected = wanted.has(option.value);
      $("path-form").requestSubmit();
    } else if (params.get("entity")) {
      if (params.get("depth")) $("view-depth").value = params.get("depth");
      if (params.get("limit")) $("view-limit").value = params.get("limit");
      $("view-denied").checked = checked("denied", true);
      loadNeighbourhood({ id: params.get("entity") });
    } else {
      shared = null;
    }
  }

  // for tests and benchmarks: the view and the page state, read-only by convention
  window.skgExplorer = { cy: graph.cy, state, open: (id) => loadNeighbourhood({ id }) };
  restore(new URLSearchParams(location.hash.slice(1)));
  document.body.dataset.ready = "true";
}

getJSON("/explorer/config.json").then(setup).catch((error) => {
  status(`The explorer could not start: ${error.message}`);
});
