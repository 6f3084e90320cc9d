"""The store layer: a small protocol any backend implements, and ``open_store``.

Two backends: the embedded Oxigraph store (``store/oxigraph/``, on disk or in memory, the
default) and a remote SPARQL 1.1 engine (``store/sparql/``, over HTTP). Queries and updates are
strings, bulk data moves as staging stores; :func:`open_configured` picks the backend from the
settings, and nothing above this package knows which engine answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from supplychain_kg.config import Settings
from supplychain_kg.errors import StoreError
from supplychain_kg.model import Quad, QueryKind, Row, Term
from supplychain_kg.store.bounds import capped, too_large

__all__ = [
    "CheckedLoads",
    "QueryResult",
    "Store",
    "backup_open_store",
    "backup_store",
    "capped",
    "check_backup_possible",
    "holder_pid",
    "open_beside_owner",
    "open_configured",
    "open_store",
    "restore_store",
    "too_large",
]


@runtime_checkable
class QueryResult(Protocol):
    """The answer to one SPARQL query.

    ``kind`` says which accessor applies: ``rows()`` for SELECT, ``boolean`` for ASK,
    ``triples()`` for CONSTRUCT and DESCRIBE. ``serialize`` writes the whole answer in a SPARQL
    results format (SELECT/ASK) or an RDF format (CONSTRUCT/DESCRIBE), given as a media type.
    A result is consumed once.
    """

    kind: QueryKind
    variables: list[str]
    boolean: bool

    def rows(self) -> Iterator[Row]: ...

    def triples(self) -> Iterator[tuple[Term, Term, Term]]: ...

    def serialize(
        self,
        media_type: str,
        output: IO[bytes] | None = None,
        *,
        limit: int | None = None,
        deadline: float | None = None,
    ) -> bytes | None:
        """Write the answer; with ``limit``/``deadline`` a graph answer is written only if it
        has at most ``limit`` triples and is read before ``deadline`` (``time.monotonic()``),
        else ResultTooLargeError / QueryTimeoutError."""
        ...


@runtime_checkable
class Store(Protocol):
    """What the rest of the package needs from an RDF store."""

    @property
    def revision(self) -> int:
        """Grows with every committed write (for caches such as the path projection); on a
        remote engine it is read from the engine, so it counts every process's writes."""
        ...

    @property
    def worker_path(self) -> Path | None:
        """The database directory that query worker processes may open read-only, or None
        (in memory, or a remote engine): queries then run in threads."""
        ...

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query. Raises QueryError on a syntax error.

        ``default_graphs`` (the protocol's default-graph-uri) may include ``""``: the store's
        own default graph. ``timeout`` (seconds): a remote engine's request gives up after it
        (QueryTimeoutError); the embedded engine cannot stop a query and ignores it.
        """
        ...

    def select_pages(
        self, sparql: str, *, default_graphs: Sequence[str] | None = None
    ) -> Iterator[QueryResult]:
        """A SELECT (without LIMIT/OFFSET) answered in pages, for reads of the whole graph:
        the embedded store answers in one page; a remote engine in pages of
        ``SKG_STORE_PAGE_SIZE`` rows, so no request returns a giant answer."""
        ...

    def text_match(
        self, words: Sequence[str], predicates: Sequence[str], *, limit: int
    ) -> list[str] | None:
        """Ask the engine's own full-text index for up to ``limit`` subjects that have a value
        for one of ``predicates`` in which each of ``words`` (that the index can search for)
        begins a word, those with the shortest such value first: a superset filter the caller
        scores itself. None when the engine has no such index (the embedded store, Oxigraph
        server, Virtuoso with its index switched off), or cannot search for any of the words
        (too short for a prefix, letters outside ASCII): the caller then searches its own
        name index. The capability is probed once per store (``store/sparql/text.py``)."""
        ...

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 update atomically. Raises QueryError on a syntax error."""
        ...

    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Add quads in one transaction: all or nothing."""
        ...

    def staging(self) -> Store:
        """Return a new, empty, in-memory store for parsing and validating before a write."""
        ...

    def parse_into(
        self,
        source: Path | bytes,
        media_type: str,
        *,
        base_iri: str | None = None,
        blank_prefix: str | None = None,
    ) -> None:
        """Parse RDF into this (staging) store. Raises ParseError with file, line and column.

        ``blank_prefix``: name every blank node with an IRI under it that depends only on the
        document's bytes and the node's place in it (loading the same file twice then adds
        nothing, and blank nodes of two files never merge)."""
        ...

    def absorb_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """Add the quads of ``files`` (path, media type), validated by the caller, in one
        bulk write; inside :meth:`transaction` a failure later in the block rolls it back.
        Only for backends that can roll back (``transaction`` yields True)."""
        ...

    def absorb(
        self,
        staging: Store,
        *,
        files: Sequence[tuple[Path, str]] | None = None,
        check: Callable[[], None] | None = None,
    ) -> int:
        """Add every quad of ``staging`` to this store atomically; return how many were new.

        ``check`` (validation) must pass for anything to be kept; a backend may run it while
        it writes and roll the write back if it raises. ``files`` (path, media type) may name
        files holding exactly the staged data, for backends that load files faster.
        """
        ...

    def undoable(self) -> AbstractContextManager[None]:
        """Every write made inside the block (``update``, ``add_quads``, ``absorb``) is undone
        if an exception leaves it, and a process killed inside it leaves the store as it was
        before the block. For checking a write after it is applied::

            with store.undoable():
                store.update(text)
                if violations := check():
                    raise ValidationError(violations)

        The undo point is made at the first write (on disk: a checkpoint of hard links; in
        memory: a copy of the quads). Blocks nest flat, with ``transaction()`` too: the
        outermost block is the group, and an exception leaving any block fails the group:
        every write since it began is undone when the outermost block ends
        (``store/groups.py``). Undoing reopens the database: on a server, use it inside
        ``KnowledgeGraph.writing()`` (no reader on the handle meanwhile).
        """
        ...

    def transaction(self) -> AbstractContextManager[bool]:
        """Group several ``absorb`` calls into one all-or-nothing write (large imports).

        Yields True when the backend can undo the group: an exception inside the block then
        rolls back every absorb made in it. Yields False when it cannot (the caller should then
        absorb once, at the end).
        """
        ...

    def has_blank_nodes(self) -> bool:
        """Whether any quad holds a blank node."""
        ...

    def describe(self, iris: Sequence[str]) -> dict[str, list[tuple[str, Term]]]:
        """Every (predicate IRI, object) of each IRI in the default graph, in the engine's
        order; an IRI that is the subject of nothing is left out. For the few resources an
        answer shows (its claims, their sources): the embedded store reads each one's
        triples from its subject index, with no query to parse and plan."""
        ...

    def dump(
        self, output: IO[bytes], media_type: str, *, prefixes: Mapping[str, str] | None = None
    ) -> None:
        """Write every quad (or, for triple formats, the default graph) to ``output``;
        ``prefixes`` (name -> IRI) abbreviate IRIs in formats that have prefixes."""
        ...

    def quads(self) -> Iterator[Quad]:
        """Iterate every quad (for small stores and tests)."""
        ...

    def __len__(self) -> int:
        """The number of quads (may scan the whole store: avoid on large stores)."""
        ...

    def is_empty(self) -> bool:
        """Whether the store holds no quad at all (in constant time)."""
        ...

    def cache_stamp(self) -> tuple[Path, str] | None:
        """Where derived data (the path projection, the name index) may be kept beside the
        store, and a token that names the store's data as it is now: a different token after
        any write since, by this process or another. None where nothing is kept (in memory,
        read-only, a remote engine). Call it with writes held off."""
        ...

    def read_metadata(self) -> dict[str, Any]:
        """The store's own notes (``skg-store.json`` on disk): ``created``, ``seeded``, ..."""
        ...

    def write_metadata(self, data: dict[str, Any]) -> None:
        """Replace the store's notes (atomically on disk)."""
        ...

    def backup(self, target: Path) -> None:
        """Write a consistent copy of the database into the new directory ``target`` while
        the store stays open; StoreError where the backend cannot."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class CheckedLoads(Protocol):
    """A store that bulk-loads files while their check runs (the embedded store on disk):
    ``skg load`` then writes while it parses and validates, instead of after."""

    def can_load_checked(self) -> bool:
        """Whether :meth:`load_checked` may be called now: on disk, writable, and no write
        made yet in the open group of writes (if any)."""
        ...

    def load_checked(
        self, files: Sequence[tuple[Path, str]], check: Callable[[Store], Store | None]
    ) -> int:
        """Bulk-load ``files`` (path, media type) and return how many quads were new, while
        ``check(before)`` runs in the calling thread, ``before`` being a read-only view of
        the store as it was before this write. If ``check`` raises, or the write fails, the
        store is as it was (the write is undone from its checkpoint when the group ends: a
        process killed meanwhile finds it undone on the next open). ``check`` may return
        the files' quads as a staging store: the new ones may then be counted from it."""
        ...


def open_store(path: Path | None, *, read_only: bool = False) -> Store:
    """Open the embedded Oxigraph store at ``path`` (created if missing), or in memory if None.

    A writable on-disk open locks the store first (StoreLockedError if another process, or
    another handle in this one, has it), then finishes any interrupted write or restore.
    ``read_only`` opens an existing on-disk store for reading from another process (query
    workers, backups); it takes no lock, changes nothing, sees the data as it was when
    opened, and must be closed before the owning process writes again.
    """
    from supplychain_kg.store.oxigraph import OxigraphStore

    return OxigraphStore(path, read_only=read_only)


def holder_pid(path: Path) -> int | None:
    """The process id the lock file of the store at ``path`` names (its owner, or the last
    one; best effort: None when it names none)."""
    from supplychain_kg.store.locks import LOCK_FILE

    try:
        return int((path / LOCK_FILE).read_text("ascii").strip())
    except (OSError, ValueError):
        return None


def open_beside_owner(path: Path) -> Store:
    """A read-only handle on the on-disk store at ``path`` while another process holds it
    (see ``OxigraphStore.beside_owner``): the data as it was between two of the owner's
    writes, when it was opened."""
    from supplychain_kg.store.oxigraph import OxigraphStore

    return OxigraphStore.beside_owner(path)


def open_configured(settings: Settings) -> Store:
    """The store the settings name: a remote SPARQL engine (``SKG_STORE=sparql+http://...``),
    else the embedded store on disk or in memory (:func:`open_store`)."""
    if not settings.remote_store:
        return open_store(settings.resolved_store_dir())
    from supplychain_kg.store.sparql import Endpoints, SparqlStore

    assert settings.store_url is not None
    endpoints = Endpoints(
        query=settings.store_url,
        update=settings.update_url or settings.store_url,
        graph_store=settings.graph_store_url,
        user=settings.store_user,
        password=settings.store_password,
        token=settings.store_token,
    )
    return SparqlStore(
        endpoints, timeout=settings.store_timeout, page_size=settings.store_page_size
    )


def check_backup_possible(settings: Settings) -> None:
    """StoreError, naming the engine's own tools, when the configured store is a remote
    engine (its backups are the engine's business)."""
    if settings.remote_store:
        from supplychain_kg.store.sparql import BACKUP_REFUSAL

        raise StoreError(BACKUP_REFUSAL)


# after Store and open_store: backup.py reads them from this package
from supplychain_kg.store.backup import (  # noqa: E402
    backup_open_store,
    backup_store,
    restore_store,
)
