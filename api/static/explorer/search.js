// A combobox with suggestions from GET /entities (names, aliases and ids), keyboard usable.
import { clear, getJSON, h, query } from "./dom.js";

let counter = 0;

export class Combobox {
  constructor(input, list, { onPick, limit = 10 } = {}) {
    this.input = input;
    this.list = list;
    this.onPick = onPick;
    this.limit = limit;
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.serial = 0;
    this.picked = null; // the entity chosen from the list, while the text still matches it
    input.addEventListener("input", () => this.changed());
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  changed() {
    this.picked = null;
    clearTimeout(this.timer);
    const text = this.input.value.trim();
    if (text.length < 2) return this.close();
    this.timer = setTimeout(() => this.suggest(text), 120);
  }

  async suggest(text) {
    const serial = ++this.serial;
    try {
      const answer = await getJSON(`/entities?${query({ q: text, limit: this.limit })}`);
      if (serial !== this.serial || document.activeElement !== this.input) return;
      this.show(answer.results);
    } catch {
      this.close();
    }
  }

  show(results) {
    this.results = results;
    this.active = -1;
    clear(this.list);
    if (!results.length) {
      this.list.append(h("li", { class: "none", role: "option", "aria-disabled": "true" }, "No entity matches"));
    }
    results.forEach((hit, index) => {
      const alias = hit.matched && hit.matched !== hit.label && hit.matched !== hit.id;
      this.list.append(
        h("li", {
          id: `opt-${++counter}`,
          role: "option",
          "aria-selected": "false",
          dataset: { id: hit.id },
          onmousedown: (event) => { event.preventDefault(); this.pick(index); },
        },
        h("span", { class: "label" }, hit.label),
        h("span", { class: "types" }, `${(hit.types || []).join(", ")} · ${hit.id}`),
        alias ? h("span", { class: "matched" }, `matches “${hit.matched}”`) : null),
      );
    });
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  move(delta) {
    if (!this.results.length) return;
    this.active = (this.active + delta + this.results.length) % this.results.length;
    [...this.list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    const current = this.list.children[this.active];
    this.input.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView({ block: "nearest" });
  }

  key(event) {
    const open = !this.list.hidden;
    if (event.key === "ArrowDown") { if (!open && this.results.length) this.show(this.results); this.move(1); }
    else if (event.key === "ArrowUp") { if (open) this.move(-1); }
    else if (event.key === "Escape") { this.close(); }
    else if (event.key === "Enter" && open && this.active >= 0) { this.pick(this.active); }
    else return;
    event.preventDefault();
  }

  pick(index) {
    const hit = this.results[index];
    if (!hit) return;
    this.picked = hit;
    this.input.value = hit.label;
    clearTimeout(this.timer);
    this.serial += 1; // a suggestion still on its way must not reopen the list
    this.close();
    if (this.onPick) this.onPick(hit);
  }

  /** What to send to the API: the chosen entity's id, else the text as typed (name or id). */
  reference() {
    return this.picked ? this.picked.id : this.input.value.trim();
  }

  set(entity) {
    this.input.value = entity.label;
    this.picked = entity;
  }
}
