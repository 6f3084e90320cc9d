"""Who is who in one import: the identifiers, ids (slugs) and names of the entities it
described and of those the store held, looked up in batches.

Identity rule (the same for CSV, FtM and OCDS, and the seed graph): an entity's strong
identifiers are ``dcterms:identifier`` strings ``scheme:value``: ``wikidata:Q160120``,
``lei:529900T8BM49AURSDO55``, ``ftm:<FtM id>``, ``ocds-party:<ocid>/<party id>`` and
organisation register numbers in org-id.guide form ``<SCHEME>:<number>`` (``GB-COH:09506232``).
Before an importer mints an IRI it looks every identifier up, in the store and among the
entities of the same import; a match means the same entity (its IRI and slug are kept).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from supplychain_kg.ingest.checks import RecordChecker
from supplychain_kg.ingest.chunks import lit
from supplychain_kg.ingest.ledger import FingerprintTable
from supplychain_kg.ingest.store_facts import batches
from supplychain_kg.namespaces import DCTERMS, RDFS, SKG, SKOS
from supplychain_kg.store import Store

__all__ = ["ALT", "IDENT", "LABEL", "SLUG", "IdentityRegisters"]

LABEL = f"<{RDFS}label>"
ALT = f"<{SKOS}altLabel>"
IDENT = f"<{DCTERMS}identifier>"
SLUG = f"<{SKG}slug>"


class IdentityRegisters:
    """The registers of one import (what it described, by identifier, id and IRI, and the
    names of its entities) and the lookups of the same in the store; the base of
    :class:`~.context.ImportContext`, which keeps them as it writes."""

    def __init__(self, store: Store, checker: RecordChecker) -> None:
        self.store = store
        self.checker = checker
        self.facts = checker.facts
        # Registers of what this import described and the store does not hold yet: the
        # current chunk's, and (``_old``) the chunk being committed in the background.
        self.known: dict[str, str] = {}  # identifier -> IRI, for this import
        self.slugs: dict[str, str] = {}  # slug -> IRI, minted in this import
        self.typed: set[str] = set()  # IRIs this import described
        self._names: dict[str, set[str]] = {}  # IRI -> its names (described or looked up)
        self._known_old: dict[str, str] = {}
        self._slugs_old: dict[str, str] = {}
        self._typed_old: set[str] = set()
        self._names_old: dict[str, set[str]] = {}
        self._store_ids: dict[str, str] = {}
        self._fresh: set[str] = set()  # identifier schemes the store had none of
        self._written = FingerprintTable(values="")  # every identifier this import wrote

    def start_chunk(self) -> None:
        """A chunk was handed over to be committed: the chunk before it has landed, and the
        store answers for it from now on; the registers keep this one's until it has landed
        too."""
        self._known_old, self.known = self.known, {}
        self._slugs_old, self.slugs = self.slugs, {}
        self._typed_old, self.typed = self.typed, set()
        self._names_old, self._names = self._names, {}
        self._store_ids.clear()

    # -- lookups in the store (batched) ----------------------------------------------------

    def note_fresh_schemes(self, schemes: Iterable[str]) -> None:
        """Before anything is written: note the identifier schemes (``ftm`` of ``ftm:...``)
        the store has no identifier of. Such an identifier is then in the store only if this
        import wrote it, and is not looked up there when it surely did not."""
        for scheme in schemes:
            ask = f"ASK {{ ?x {IDENT} ?id FILTER(STRSTARTS(STR(?id), {lit(scheme + ':')})) }}"
            if not self.store.query(ask).boolean:
                self._fresh.add(scheme)

    def lookup_identifiers(self, identifiers: Iterable[str]) -> dict[str, str]:
        """Map each identifier already in the store to its entity's IRI (one query per 1,000)."""
        identifiers = list(identifiers)
        stored, fresh, written = self._store_ids, self._fresh, self._written
        wanted = set()
        for ident in identifiers:
            if ident in stored:
                continue
            if fresh and ident.partition(":")[0] in fresh and hash(ident) not in written:
                stored[ident] = ""  # cannot be in the store
            else:
                wanted.add(ident)
        for chunk in batches(sorted(wanted)):
            values = " ".join(lit(i) for i in chunk)
            query = (
                f"SELECT ?id ?x WHERE {{ VALUES ?id {{ {values} }} ?x {IDENT} ?id . ?x {SLUG} [] }}"
            )
            for row in self.store.query(query).rows():
                self._store_ids.setdefault(str(row["id"].value), str(row["x"].value))
            for ident in chunk:
                self._store_ids.setdefault(ident, "")
        return {i: self._store_ids[i] for i in identifiers if self._store_ids.get(i)}

    def confirm_identifiers(self, expected: dict[str, str]) -> bool:
        """Whether the store gives each identifier of ``expected`` to the entity (with an id)
        it maps to: one count, no names read back (entities referred to again after their
        chunk was written are usually where they were minted)."""
        pairs = list(expected.items())
        for chunk in batches(pairs):
            values = " ".join(f"({lit(i)} <{x}>)" for i, x in chunk)
            query = (
                f"SELECT (COUNT(DISTINCT ?id) AS ?n) WHERE {{ VALUES (?id ?x) {{ {values} }} "
                f"?x {IDENT} ?id ; {SLUG} [] }}"
            )
            rows = list(self.store.query(query).rows())
            if not rows or int(str(rows[0]["n"].value)) != len(chunk):
                return False
        return True

    def fresh_scheme(self, scheme: str) -> bool:
        """Whether the store had no identifier of ``scheme`` when the import began (see
        :meth:`note_fresh_schemes`)."""
        return scheme in self._fresh

    def written_identifier(self, ident: str) -> bool:
        """Whether this import wrote ``ident`` (exact but for a 64-bit fingerprint)."""
        return hash(ident) in self._written

    def existing_slugs(self, slugs: Iterable[str]) -> dict[str, str]:
        """Map each slug the store used before this import to the IRI that uses it (ids this
        import gave are in its ledger, which :meth:`unique_slug` reads)."""
        owner = self.checker.slug_owner
        return self.facts.slug_owners([s for s in set(slugs) if owner(s) is None])

    def prefetch_names(self, iris: Iterable[str]) -> None:
        """Remember the labels and aliases the store has for ``iris`` (for :meth:`entity`)."""
        wanted = sorted({i for i in iris if self._names_of(i) is None})
        for chunk in batches(wanted):
            values = " ".join(f"<{i}>" for i in chunk)
            query = f"SELECT ?x ?name WHERE {{ VALUES ?x {{ {values} }} ?x {LABEL}|{ALT} ?name }}"
            for iri in chunk:
                self._names.setdefault(iri, set())
            for row in self.store.query(query).rows():
                self._names[str(row["x"].value)].add(str(row["name"].value))

    def _names_of(self, iri: str) -> set[str] | None:
        names = self._names.get(iri)
        if names is None:
            names = self._names_old.get(iri)
            if names is not None:
                self._names[iri] = names
        return names

    def forget_batch(self) -> None:
        """Drop per-batch caches (keeps memory flat on long imports)."""
        if len(self._store_ids) > 100_000:
            self._store_ids.clear()

    def slug_of(self, iri: str) -> str | None:
        for row in self.store.query(f"SELECT ?s WHERE {{ <{iri}> {SLUG} ?s }} LIMIT 1").rows():
            return str(row["s"].value)
        return None

    def described(self, iri: str) -> bool:
        """Whether this import described ``iri``."""
        return iri in self.typed or iri in self._typed_old or self.checker.described(iri)

    def exists(self, iri: str) -> bool:
        return self.described(iri) or self.store.query(f"ASK {{ <{iri}> {SLUG} [] }}").boolean

    # -- identity --------------------------------------------------------------------------

    def resolve(self, identifiers: list[str]) -> str | None:
        """The IRI of an entity already known by one of ``identifiers`` (this import first)."""
        known, old, stored = self.known, self._known_old, self._store_ids
        for ident in identifiers:
            iri = known.get(ident) or old.get(ident)
            if iri is not None:
                return iri
        for ident in identifiers:
            if ident not in stored:  # not looked up yet
                self.lookup_identifiers(identifiers)
                break
        for ident in identifiers:
            iri = stored.get(ident)
            if iri:
                return iri
        return None

    def unique_slug(self, wanted: str, iri: str, taken_in_store: dict[str, str]) -> str:
        """``wanted``, or ``wanted-<hash of iri>`` when another resource already uses it."""
        slug = wanted
        n = 6
        ledger = self.checker.slug_owner
        while True:
            other = self.slugs.get(slug) or self._slugs_old.get(slug)
            if other is None:
                mark = ledger(slug)  # given by this import in a chunk checked already
                if mark is not None:
                    other = iri if mark == hash(iri) else "another resource"
                else:
                    other = taken_in_store.get(slug)
            if other is None or other == iri:
                self.slugs[slug] = iri
                return slug
            slug = f"{wanted}-{hashlib.sha1(iri.encode()).hexdigest()[:n]}"
            n += 2
