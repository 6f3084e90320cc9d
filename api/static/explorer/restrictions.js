// Restriction-list badges: an entity on a sanctions or restriction list says so wherever it
// appears (path listings, the evidence panel), with the list, since when and the source.
import { h } from "./dom.js";

function since(listing) {
  if (listing.since) return `since ${listing.since}`;
  const date = listing.source && listing.source.date;
  return date ? `source dated ${date}; no start day given` : "no date given";
}

/** One line per listing: list, date, source. */
export function listingText(listing) {
  const title = listing.source ? listing.source.title : "";
  return `${listing.list_label} (${since(listing)}; source: ${title})`;
}

/** A badge for an entity with listings, or null. */
export function restrictionBadge(entity) {
  const listings = (entity && entity.restrictions) || [];
  if (!listings.length) return null;
  const text = listings.map(listingText).join("; ");
  return h("span", { class: "badge restricted", title: text, dataset: { lists: String(listings.length) } },
    `⛔ on ${listings.length} restriction list${listings.length > 1 ? "s" : ""}`,
    h("span", { class: "sr-only" }, `: ${text}`));
}

/** The listings in full, for the evidence panel. */
export function restrictionNote(entity) {
  const listings = (entity && entity.restrictions) || [];
  if (!listings.length) return null;
  return h("div", { class: "restrictions", role: "note" },
    h("strong", {}, `⛔ ${entity.label} is on ${listings.length} restriction list${listings.length > 1 ? "s" : ""}:`),
    h("ul", { class: "plain" }, listings.map((l) => h("li", { dataset: { list: l.list } }, listingText(l)))));
}
