// The network view: Cytoscape.js (served by the app, fetched from npm at build time).
import { stanceLabel } from "./claims.js";

const RADIUS = 170;

function styles(categories) {
  const rules = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        shape: "data(shape)",
        "background-color": "data(colour)",
        width: 30,
        height: 30,
        "font-size": 12,
        "font-family": "system-ui, sans-serif",
        color: "#1b1b1b",
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-wrap": "ellipsis",
        "text-max-width": "140px",
        "text-background-color": "#fff",
        "text-background-opacity": 0.75,
        "text-background-padding": 1,
        "border-width": 2,
        "border-color": "#fff",
      },
    },
    { selector: "node.center", style: { width: 40, height: 40, "font-weight": "bold" } },
    {
      selector: "node.has-denials",
      style: { "border-color": "#b71c1c", "border-width": 4, "border-style": "dashed" },
    },
    {
      selector: "node.restricted",
      style: { "outline-color": "#3e2723", "outline-width": 3, "outline-offset": 2, label: "data(badgeLabel)" },
    },
    {
      selector: "node.more",
      style: {
        shape: "round-rectangle",
        "background-color": "#fff",
        "border-color": "#777",
        "border-style": "dashed",
        "border-width": 1,
        width: 78,
        height: 20,
        "text-valign": "center",
        "text-margin-y": 0,
        "font-size": 10,
        "text-background-opacity": 0,
      },
    },
    {
      selector: "edge",
      style: {
        width: 2,
        "line-color": "#8a8a8a",
        "target-arrow-color": "#8a8a8a",
        "target-arrow-shape": "triangle",
        "arrow-scale": 0.9,
        "curve-style": "bezier",
        label: "data(label)",
        "font-size": 10,
        "font-family": "system-ui, sans-serif",
        "text-rotation": "autorotate",
        "text-background-color": "#fff",
        "text-background-opacity": 0.85,
        "text-background-padding": 1,
        color: "#333",
      },
    },
    {
      selector: "edge.disputed",
      style: {
        "line-style": "dashed",
        "line-dash-pattern": [8, 4],
        "line-color": "#a04000",
        "target-arrow-color": "#a04000",
        color: "#a04000",
      },
    },
    {
      selector: "edge.denied",
      style: {
        "line-style": "dashed",
        "line-dash-pattern": [3, 3],
        "line-color": "#b71c1c",
        "target-arrow-color": "#b71c1c",
        "target-arrow-shape": "tee",
        color: "#b71c1c",
      },
    },
    { selector: "edge.unbacked", style: { "line-style": "dotted" } },
    {
      selector: "edge.more-link",
      style: { "line-style": "dotted", "target-arrow-shape": "none", width: 1, label: "" },
    },
    {
      selector: "edge.cites",
      style: { "line-style": "dotted", "line-color": "#90a4ae", "target-arrow-shape": "none", width: 1 },
    },
    { selector: ".faded", style: { opacity: 0.22 } },
    {
      selector: "node.on-path",
      style: { "underlay-color": "#f9a825", "underlay-opacity": 0.7, "underlay-padding": 7, "underlay-shape": "ellipse" },
    },
    {
      selector: "edge.on-path",
      style: { width: 5, "underlay-color": "#f9a825", "underlay-opacity": 0.7, "underlay-padding": 5 },
    },
    {
      selector: ":selected",
      style: {
        "overlay-color": "#0b57d0",
        "overlay-opacity": 0.2,
        "overlay-padding": 8,
        "overlay-shape": "ellipse",
      },
    },
  ];
  return rules;
}

/** Category (colour, shape, legend label) of an entity from its types. */
export function categoryFinder(categories) {
  const byType = new Map();
  for (const category of categories) for (const type of category.types) byType.set(type, category);
  const other = categories.find((c) => c.key === "other") || categories[categories.length - 1];
  return (types) => {
    for (const type of types || []) if (byType.has(type)) return byType.get(type);
    return other;
  };
}

/** The stored orientation of an edge from a neighbours or paths answer. */
export function storedEdge(edge) {
  const reversed = edge.direction === "in";
  const subject = reversed ? edge.target : edge.source;
  const object = reversed ? edge.source : edge.target;
  return { subject, object, id: `${subject}|${edge.relation}|${object}` };
}

export class GraphView {
  constructor(container, config, handlers) {
    this.config = config;
    this.category = categoryFinder(config.categories);
    this.handlers = handlers;
    this.container = container;
    this.available = typeof window.cytoscape === "function";
    this.more = new Map(); // entity id -> {shown, total}
    if (!this.available) return;
    this.cy = window.cytoscape({
      container,
      style: styles(config.categories),
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
    });
    this.cy.on("tap", "node", (event) => this.handlers.select(event.target));
    this.cy.on("tap", "edge", (event) => this.handlers.select(event.target));
    this.cy.on("dbltap", "node", (event) => this.handlers.expand(event.target));
    container.addEventListener("keydown", (event) => this.onKey(event));
  }

  nodeData(node, extra = {}) {
    const category = this.category(node.types);
    return {
      id: node.id,
      iri: node.iri,
      label: node.label || node.id,
      types: node.types || [],
      kind: "entity",
      category: category.key,
      categoryLabel: category.label,
      colour: category.colour,
      shape: category.shape,
      ...extra,
    };
  }

  /** A node on a restriction list gets an outline and "⛔" before its label (the badge). */
  markRestricted(element, node) {
    const listings = node.restrictions || [];
    if (!listings.length) return;
    element.data("restrictions", listings);
    element.data("badgeLabel", `⛔ ${element.data("label")}`);
    element.addClass("restricted");
  }

  /** Add entities (if new) and return the ids that were new. */
  addNodes(nodes, near) {
    const added = [];
    for (const node of nodes) {
      const existing = this.cy.getElementById(node.id);
      const denials = (node.denials || []).length;
      if (existing.nonempty()) {
        if (denials) existing.addClass("has-denials").data("denials", node.denials);
        this.markRestricted(existing, node);
        continue;
      }
      const element = this.cy.add({ group: "nodes", data: this.nodeData(node, { denials: node.denials || [] }) });
      if (denials) element.addClass("has-denials");
      this.markRestricted(element, node);
      added.push(element);
    }
    this.place(added, near);
    return added;
  }

  /** Add a link from a neighbours or paths answer (merging claims of a link already shown). */
  addEdge(edge) {
    const { subject, object, id } = storedEdge(edge);
    const existing = this.cy.getElementById(id);
    if (existing.nonempty()) return existing;
    const stance = edge.stance || "asserted";
    const prefix = stance === "asserted" ? "" : `${stanceLabel(stance)}: `;
    const element = this.cy.add({
      group: "edges",
      data: {
        id,
        source: subject,
        target: object,
        relation: edge.relation,
        relationLabel: edge.relation_label || edge.relation,
        label: prefix + (edge.relation_label || edge.relation),
        stance,
        claims: edge.claims || [],
        kind: "link",
      },
    });
    element.addClass(stance);
    return element;
  }

  /** A "+N more" node next to ``entity`` when the answer capped its neighbours. */
  setMore(entity, shown, total) {
    const id = `more:${entity}`;
    this.cy.remove(this.cy.getElementById(id));
    this.more.set(entity, { shown, total });
    if (total <= shown) return;
    const owner = this.cy.getElementById(entity);
    const node = this.cy.add({
      group: "nodes",
      data: { id, kind: "more", owner: entity, label: `+${total - shown} more`, shown, total },
    });
    node.addClass("more");
    this.cy.add({ group: "edges", data: { id: `${id}|link`, source: entity, target: id, kind: "more-link" } })
      .addClass("more-link");
    this.place(node, owner);
  }

  /** New nodes around ``near`` (a node or nothing), each in the first free spot on rings
   * around it; existing nodes stay where they are. */
  place(elements, near) {
    const list = Array.isArray(elements) ? elements : [elements];
    if (!list.length) return;
    const centre = near && near.nonempty && near.nonempty() ? near.position() : { x: 0, y: 0 };
    const fresh = new Set(list.map((n) => n.id()));
    const taken = this.cy.nodes().filter((n) => !fresh.has(n.id())).map((n) => n.position());
    const free = (p) => taken.every((q) => Math.hypot(p.x - q.x, p.y - q.y) > 75);
    let ring = 0;
    let slot = 0;
    for (const node of list) {
      let position = null;
      while (!position) {
        const radius = RADIUS + ring * 110;
        const slots = Math.max(8, Math.floor((2 * Math.PI * radius) / 90));
        const angle = (2 * Math.PI * slot) / slots + ring * 0.4;
        const candidate = { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) };
        slot += 1;
        if (slot >= slots) { slot = 0; ring += 1; }
        if (free(candidate) || ring > 30) position = candidate;
      }
      node.position(position);
      taken.push(position);
    }
  }

  clear() {
    if (!this.available) return;
    this.cy.elements().remove();
    this.more.clear();
  }

  clearHighlight() {
    this.cy.elements().removeClass("on-path faded");
  }

  highlight(ids) {
    const set = new Set(ids);
    this.cy.elements().forEach((el) => {
      const on = set.has(el.id());
      el.toggleClass("on-path", on);
      el.toggleClass("faded", !on);
    });
  }

  /** Lay out paths left to right: path i on row i, hop j in column j; the two ends are shared
   * (source at the left, target at the right end, halfway down), other shared nodes stay put. */
  layoutPaths(paths) {
    const seen = new Set();
    const columns = Math.max(...paths.map((p) => p.length));
    const middle = ((paths.length - 1) * 120) / 2;
    paths.forEach((path, row) => {
      path.nodes.forEach((node, column) => {
        if (seen.has(node.id)) return;
        seen.add(node.id);
        const last = column === path.nodes.length - 1;
        const position = column === 0 || last
          ? { x: (last ? columns : 0) * 170, y: middle }
          : { x: column * 170 * (columns / path.length), y: row * 120 };
        this.cy.getElementById(node.id).position(position);
      });
    });
  }

  /** Fit everything in view, but never zoom in so far that labels turn huge. */
  fit() {
    if (!this.available) return;
    this.cy.fit(this.cy.elements(), 40);
    if (this.cy.zoom() > 1.2) {
      this.cy.zoom(1.2);
      this.cy.center();
    }
  }

  entities() {
    return this.available ? this.cy.nodes('[kind = "entity"], [kind = "source"]') : [];
  }

  onKey(event) {
    if (!this.available) return;
    const nodes = this.cy.nodes().sort((a, b) => a.position("x") - b.position("x") || a.position("y") - b.position("y"));
    if (!nodes.length) return;
    const selected = this.cy.$(":selected");
    const index = selected.nonempty() ? nodes.indexOf(selected[0]) : -1;
    const key = event.key;
    if (key === "ArrowRight" || key === "ArrowDown" || key === "ArrowLeft" || key === "ArrowUp") {
      const forward = key === "ArrowRight" || key === "ArrowDown";
      const next = nodes[(index + (forward ? 1 : nodes.length - 1) + (index < 0 && !forward ? 1 : 0)) % nodes.length];
      this.cy.elements().unselect();
      next.select();
      this.cy.animate({ center: { eles: next } }, { duration: 150 });
      this.handlers.focus(next);
    } else if (key === "Enter" && selected.nonempty()) {
      this.handlers.select(selected[0]);
    } else if ((key === "e" || key === "E") && selected.nonempty()) {
      this.handlers.expand(selected[0]);
    } else if (key === "+" || key === "=") {
      this.cy.zoom({ level: this.cy.zoom() * 1.25, renderedPosition: this.middle() });
    } else if (key === "-") {
      this.cy.zoom({ level: this.cy.zoom() / 1.25, renderedPosition: this.middle() });
    } else if (key === "0") {
      this.fit();
    } else {
      return;
    }
    event.preventDefault();
  }

  middle() {
    return { x: this.container.clientWidth / 2, y: this.container.clientHeight / 2 };
  }

  /** The view as a path answer (one "path" with every entity and link shown) for POST /export. */
  asPathAnswer(name) {
    const nodes = this.cy.nodes('[kind = "entity"]').map((n) => ({
      id: n.id(),
      iri: n.data("iri"),
      label: n.data("label"),
      types: n.data("types"),
    }));
    const edges = this.cy.edges('[kind = "link"]').map((e) => ({
      source: e.data("source"),
      target: e.data("target"),
      relation: e.data("relation"),
      direction: "out",
    }));
    // POST /export names the download after "source" (and "target", left empty here)
    return { source: name, target: "", paths: [{ length: edges.length, nodes, edges }], truncated: false };
  }
}
