"""Finding entities by name: case- and accent-insensitive, tolerant of spacing and typos.

An in-memory index over every entity's id, labels and aliases, rebuilt when the store's
revision changes. Ranking: exact name, then prefix, then substring (on names with spaces and
punctuation removed, so "hik vision" finds "Hikvision"), then word overlap and a fuzzy ratio
for misspellings.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from supplychain_kg.errors import AmbiguousEntityError, UnknownEntityError
from supplychain_kg.model import Literal, term_to_sparql
from supplychain_kg.namespaces import RDF, RDFS, SKG, SKOS
from supplychain_kg.paths.evidence import local_id
from supplychain_kg.paths.source import chunked, parallel_rows, tsv_text, values
from supplychain_kg.store import Store

__all__ = ["STRONG", "Match", "NameIndex", "engine_names", "lookup_reference", "normalize"]

_WORD = re.compile(r"[a-z0-9]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_TEXT_WORD = re.compile(r"[^\W_]+")
STRONG = 0.75
"""The score of a strong match: an exact name, a prefix or a substring of one."""


def _unaccented(text: str) -> str:
    """Casefolded, with accents stripped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lowercase, strip accents, keep letters and digits only.

    >>> normalize("Naung-Yoe  Technologies")
    'naungyoetechnologies'
    """
    if text.isascii():  # the same answer, ten times faster (most names at scale)
        return _NOT_ALNUM.sub("", text.lower())
    return "".join(ch for ch in _unaccented(text) if ch.isalnum())


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower() if text.isascii() else _unaccented(text)))


def _query(classes: str, scope: str = "") -> str:
    return f"""SELECT ?x ?slug ?type ?name ?kind WHERE {{ {scope}
        VALUES ?type {{ {classes} }} ?x <{RDF}type> ?type ; <{SKG}slug> ?slug .
        {{ ?x <{RDFS}label> ?name BIND("label" AS ?kind) }}
        UNION {{ ?x <{SKOS}altLabel> ?name BIND("alias" AS ?kind) }} }}"""


_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+')
"""An absolute IRI as SPARQL writes one between ``<>`` (none of the characters IRIREF
forbids, so a reference cannot break out of the query)."""


def lookup_reference(store: Store, reference: str, entity_classes: frozenset[str]) -> str | None:
    """The entity a reference names by IRI (bare or in ``<>``) or by id, read from the store
    with one query and no name index; None when it names none that way (a name, or an id
    two entities share), so the caller falls back to the name index.

    An entity here is what :class:`NameIndex` indexes: a typed resource with an id and a
    label or alias, so both find the same entity for the same reference.
    """
    ref = reference.strip()
    if ref.startswith("<") and ref.endswith(">"):
        ref = ref[1:-1]
    kinds = values("type", entity_classes)
    named = f"<{RDF}type> ?type ; <{RDFS}label>|<{SKOS}altLabel> ?name"
    if _IRI.fullmatch(ref):
        query = f"ASK {{ {kinds} <{ref}> {named} ; <{SKG}slug> ?slug }}"
        if store.query(query).boolean:
            return ref
    slug = term_to_sparql(Literal(ref))
    # a FILTER, not VALUES: the engine then starts from the id (1 ms), not from every entity
    # of those types (1 s at 200k entities)
    listed = ", ".join(f"<{c}>" for c in sorted(entity_classes))
    query = (
        f"SELECT DISTINCT ?x WHERE {{ ?x <{SKG}slug> {slug} ; {named} "
        f"FILTER(?type IN ({listed})) }} LIMIT 2"
    )
    found = [str(row["x"].value) for row in store.query(query).rows()]
    return found[0] if len(found) == 1 else None


@dataclass
class _Entry:
    iri: str
    id: str
    label: str
    names: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)


def _add(rows: Iterable[list[str]], entries: dict[str, _Entry], by_id: dict[str, str]) -> None:
    """Index the rows of :func:`_query` into ``entries`` (by IRI) and ``by_id`` (by slug)."""
    for x, slug_field, type_field, name_field, kind in rows:
        iri = x[1:-1]
        entry = entries.get(iri)
        if entry is None:
            slug = tsv_text(slug_field)
            entry = entries[iri] = _Entry(iri, slug, local_id(iri))
            by_id[slug] = iri
            entry.names.append(slug)
        name = tsv_text(name_field)
        if kind == '"label"' and entry.label == local_id(iri):
            entry.label = name
        if name not in entry.names:
            entry.names.append(name)
        entry.types.add(type_field[1:-1].removeprefix(SKG))


@dataclass(frozen=True)
class Match:
    """One search hit."""

    iri: str
    id: str
    label: str
    types: tuple[str, ...]
    score: float
    matched: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "iri": self.iri,
            "label": self.label,
            "types": list(self.types),
            "score": round(self.score, 3),
            "matched": self.matched,
        }


def _match(entry: _Entry, score: float, name: str) -> Match:
    return Match(entry.iri, entry.id, entry.label, tuple(sorted(entry.types)), score, name)


def _brief(entry: _Entry) -> dict[str, str]:
    return {"id": entry.id, "label": entry.label, "iri": entry.iri}


def _keys(entries: Iterable[_Entry]) -> list[tuple[_Entry, str, str, set[str]]]:
    """(entry, name, normalized name, words) for every name of ``entries``."""
    return [(e, name, normalize(name), _words(name)) for e in entries for name in e.names]


_NONE: tuple[float, str, _Entry | None] = (0.0, "", None)


class NameIndex:
    """Name index of the entities in a store (see module docstring)."""

    def __init__(
        self, store: Store, entity_classes: frozenset[str], *, only: Iterable[str] | None = None
    ) -> None:
        """Index every entity of ``store``, or (``only``) the entities of those IRIs."""
        self.revision = store.revision
        self._classes = entity_classes
        self._entries: dict[str, _Entry] = {}
        self._by_id: dict[str, str] = {}
        self._norm: list[tuple[_Entry, str, str, set[str]]] | None = None
        if only is not None:
            classes = " ".join(f"<{c}>" for c in sorted(entity_classes))
            wanted = sorted(set(only))
            queries = [_query(classes, values("x", chunk)) for chunk in chunked(wanted, 500)]
            _add(parallel_rows(store, queries, workers=1), self._entries, self._by_id)
            return
        # one query per class, so that the engine reads the next ones while these are indexed
        rows = parallel_rows(store, [_query(f"<{c}>") for c in sorted(entity_classes)])
        _add(rows, self._entries, self._by_id)

    @classmethod
    def restored(
        cls,
        entity_classes: frozenset[str],
        entries: dict[str, _Entry],
        by_id: dict[str, str],
        revision: int,
    ) -> NameIndex:
        """An index made from entries kept beside the store (``saved.py``), as of ``revision``."""
        index = cls.__new__(cls)
        index.revision = revision
        index._classes = entity_classes
        index._entries, index._by_id, index._norm = entries, by_id, None
        return index

    def refresh(self, store: Store, iris: Iterable[str], revision: int) -> None:
        """Re-read the entries of ``iris`` only (after a write that touched nothing else) and
        mark the index as of ``revision``."""
        wanted = set(iris)
        # copy on write: searches running meanwhile keep a consistent view of the old index
        entries, by_id = dict(self._entries), dict(self._by_id)
        for iri in wanted:
            entry = entries.pop(iri, None)
            if entry is not None and by_id.get(entry.id) == iri:
                del by_id[entry.id]
        classes = " ".join(f"<{c}>" for c in sorted(self._classes))
        queries = [_query(classes, values("x", chunk)) for chunk in chunked(sorted(wanted), 500)]
        _add(parallel_rows(store, queries, workers=1), entries, by_id)
        norm = self._norm
        if norm is not None:
            fresh = [entries[i] for i in sorted(wanted) if i in entries]
            norm = [item for item in norm if item[0].iri not in wanted] + _keys(fresh)
        self._entries, self._by_id, self._norm = entries, by_id, norm
        self.revision = revision

    def _normalized(self) -> list[tuple[_Entry, str, str, set[str]]]:
        """Every (entry, name, normalized name, words), made on the first name search (a
        lookup by id or IRI never needs it)."""
        if self._norm is None:
            self._norm = _keys(self._entries.values())
        return self._norm

    def __len__(self) -> int:
        return len(self._entries)

    def by_id(self, slug: str) -> str | None:
        return self._by_id.get(slug)

    def has_iri(self, iri: str) -> bool:
        return iri in self._entries

    def entry(self, iri: str) -> Match | None:
        entry = self._entries.get(iri)
        if entry is None:
            return None
        return Match(entry.iri, entry.id, entry.label, tuple(sorted(entry.types)), 1.0, entry.id)

    def search(self, text: str, *, type_: str | None = None, limit: int = 20) -> list[Match]:
        """Rank entities by how well a name or alias matches ``text``."""
        query = normalize(text)
        words = _words(text)
        if not query:
            return []
        best: dict[str, tuple[float, str, _Entry]] = {}
        fuzzy_floor = 0.75 if len(query) > 4 else 0.85
        for entry, name, norm, name_words in self._normalized():
            if type_ and type_ not in entry.types:
                continue
            score = self._score(query, words, norm, name_words, fuzzy_floor)
            if score and score > best.get(entry.iri, _NONE)[0]:
                best[entry.iri] = (score, name, entry)
        ranked = sorted(best.values(), key=lambda hit: (-hit[0], hit[2].label))
        return [_match(entry, score, name) for score, name, entry in ranked[:limit]]

    @staticmethod
    def _score(query: str, words: set[str], norm: str, name_words: set[str], floor: float) -> float:
        if not norm:
            return 0.0
        if norm == query:
            return 1.0
        if norm.startswith(query):
            return 0.9 + 0.05 * len(query) / len(norm)
        if query in norm:
            return 0.75 + 0.1 * len(query) / len(norm)
        if words and words <= name_words:
            return 0.7
        ratio = difflib.SequenceMatcher(None, query, norm, autojunk=False).ratio()
        if ratio >= floor:
            return 0.6 * ratio
        if len(query) >= 4 and len(norm) > len(query):
            window = difflib.SequenceMatcher(None, query, norm[: len(query) + 1]).ratio()
            if window >= 0.85:
                return 0.5 * window
        return 0.0

    def resolve(self, reference: str) -> str:
        """Turn an id, an IRI or a name into one entity IRI.

        Raises AmbiguousEntityError when several entities share the best name match and
        UnknownEntityError (with suggestions) when none matches.
        """
        ref = reference.strip()
        if ref in self._entries:
            return ref
        if ref.startswith("<") and ref.endswith(">") and ref[1:-1] in self._entries:
            return ref[1:-1]
        if ref in self._by_id:
            return self._by_id[ref]
        found, hits = self.settle(ref)
        if found is not None:
            return found
        suggestions = [m.to_json() for m in (hits[:5] or self.suggest(ref))]
        raise UnknownEntityError(
            reference, [{"id": str(s["id"]), "label": str(s["label"])} for s in suggestions]
        )

    def settle(self, reference: str) -> tuple[str | None, list[Match]]:
        """The one entity a name names (an exact name, or one strong match clearly ahead of
        the others), else None and the hits found; AmbiguousEntityError when several share
        the best match."""
        ref = reference.strip()
        query = normalize(ref)
        same = {entry.iri: entry for entry, _, norm, _ in self._normalized() if norm == query}
        exact = [same[iri] for iri in sorted(same)] if query else []
        if len(exact) == 1:
            return exact[0].iri, []
        if len(exact) > 1:
            raise AmbiguousEntityError(reference, [_brief(e) for e in exact])
        hits = self.search(ref, limit=10)
        strong = [m for m in hits if m.score >= STRONG]
        if len(strong) == 1 or (len(strong) > 1 and strong[0].score - strong[1].score >= 0.1):
            return strong[0].iri, hits
        if len(strong) > 1:
            raise AmbiguousEntityError(
                reference, [{"id": m.id, "label": m.label, "iri": m.iri} for m in strong]
            )
        return None, hits

    def suggest(self, text: str, limit: int = 5) -> list[Match]:
        """The closest names however weak the match (for "did you mean" answers).

        Scores each name by its best word-for-word similarity with the words of ``text``.
        """
        words = _words(text)
        if not words:
            return []
        best: dict[str, tuple[float, str, _Entry]] = {}
        # Only names with a word that starts like a word of the text are scored: difflib over
        # every name would take minutes on a million entities.
        starts = {w[:2] for w in words}
        for entry, name, _, name_words in self._normalized():
            if not name_words or not any(n[:2] in starts for n in name_words):
                continue
            score = sum(
                max(difflib.SequenceMatcher(None, w, n).ratio() for n in name_words) for w in words
            ) / len(words)
            if score > best.get(entry.iri, _NONE)[0]:
                best[entry.iri] = (score, name, entry)
        ranked = sorted(best.values(), key=lambda hit: -hit[0])[:limit]
        return [_match(entry, score, name) for score, name, entry in ranked if score >= 0.5]


_NAME_PREDICATES = (f"{SKG}slug", f"{RDFS}label", f"{SKOS}altLabel")


def engine_names(
    store: Store, text: str, entity_classes: frozenset[str], *, limit: int = 20
) -> NameIndex | None:
    """A name index of the entities the engine's own full-text index finds for ``text``
    (every word of it, where the index can search for the word, begins a word of an id, a
    name or an alias: ``Store.text_match``), scored as the whole index scores them; None when
    the engine has no such index, cannot search for any word of ``text``, or finds nothing.

    Its strong hits (exact, prefix, substring; :data:`STRONG`) are those the whole index would
    rank first; what it cannot find (misspellings, a match inside a word, other word breaks,
    words under 4 letters, names written since the engine last indexed) the caller finds in
    the whole index when this one has no strong hit.
    """
    words = _TEXT_WORD.findall(text.casefold())
    found = store.text_match(words, _NAME_PREDICATES, limit=max(limit * 10, 200))
    if not found:
        return None
    return NameIndex(store, entity_classes, only=found)
