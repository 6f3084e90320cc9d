"""Property: whatever bytes a load or an import is handed (valid documents from small random
graphs and records, then truncated, bytes flipped, brackets added, bytes that are not UTF-8),
it either succeeds or raises one of our errors, and after an error the store holds exactly the
quads it held before (its sorted N-Quads are unchanged)."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError
from supplychain_kg.ingest.importer import ImportOptions
from supplychain_kg.service import KnowledgeGraph

from .conftest import SHARED

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
EX = "http://example.org/"
TEXT = st.text(alphabet=st.sampled_from(list("ab <>[]{}()\"'\\#&;:,|\n\r\té€😀\x00")), max_size=10)
RDF_SYNTAXES = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld"}


@pytest.fixture(scope="module")
def graph() -> Iterator[KnowledgeGraph]:
    """One seeded in-memory graph for the module (a success changes it; that is allowed)."""
    kg = KnowledgeGraph.open(Settings(memory=True))
    yield kg
    kg.close()


def _checksum(kg: KnowledgeGraph) -> str:
    out = io.BytesIO()
    kg.store.dump(out, "application/n-quads")
    return hashlib.sha256(b"\n".join(sorted(out.getvalue().splitlines()))).hexdigest()


@st.composite
def _mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` as it is, truncated, a byte flipped, brackets added or bytes that are not
    UTF-8 put in, at a random place."""
    how = draw(st.sampled_from(["as is", "truncated", "flipped", "brackets", "not utf-8"]))
    at = draw(st.integers(0, len(data)))
    if how == "truncated":
        return data[:at]
    if how == "flipped" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if how == "brackets":
        opener = draw(st.sampled_from([b"[", b"{", b"(", b'{"a": [', b"<ex:p>", b"[ <p> "]))
        return data[:at] + opener * draw(st.integers(1, 300)) + data[at:]
    if how == "not utf-8":
        return (
            data[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff"]))
            + data[at:]
        )
    return data


def _either_succeeds_or_refuses_cleanly(kg: KnowledgeGraph, run: Callable[[], object]) -> None:
    before = _checksum(kg)
    try:
        run()
    except SkgError as exc:
        event(f"refused: {type(exc).__name__}")
        assert _checksum(kg) == before
    else:
        event("done")


def _write(directory: str, name: str, data: bytes) -> Path:
    path = Path(directory) / name
    path.write_bytes(data)
    return path


# -- RDF -------------------------------------------------------------------------------------


@st.composite
def _rdf_document(draw: st.DrawFn) -> tuple[str, bytes]:
    """(extension, document) of a small random graph in one of the RDF syntaxes."""
    g = rdflib.Graph()
    nodes = [rdflib.URIRef(f"{EX}n{i}") for i in range(3)] + [
        rdflib.BNode(f"b{i}") for i in range(2)
    ]
    for _ in range(draw(st.integers(1, 6))):
        subject = draw(st.sampled_from(nodes))
        predicate = rdflib.URIRef(f"{EX}p{draw(st.integers(0, 2))}")
        if draw(st.booleans()):
            obj: rdflib.term.Node = draw(st.sampled_from(nodes))
        else:
            text = draw(TEXT).replace("\x00", "")
            lang = draw(st.sampled_from([None, "en", "de-CH"]))
            obj = rdflib.Literal(text, lang=lang)
        g.add((subject, predicate, obj))
    extension = draw(st.sampled_from(sorted(RDF_SYNTAXES)))
    return extension, g.serialize(format=RDF_SYNTAXES[extension], encoding="utf-8")


@SETTINGS
@given(st.data())
def test_any_rdf_file_loads_or_is_refused_leaving_the_store_as_it_was(
    graph: KnowledgeGraph, data: st.DataObject
) -> None:
    extension, document = data.draw(_rdf_document())
    mutated = data.draw(_mutated(document))
    with tempfile.TemporaryDirectory() as directory:
        path = _write(directory, "random" + extension, mutated)
        _either_succeeds_or_refuses_cleanly(graph, lambda: graph.load([path]))


# -- CSV -------------------------------------------------------------------------------------
# mostly valid values, now and then one that is not


def _mostly(valid: list[Any], invalid: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(valid * 6 + invalid)


NAME = TEXT.map(lambda text: "N" + text)
_ENTITY_COLUMNS = ["id", "name", "type", "aliases", "country", "identifiers"]
_RELATION_COLUMNS = ["subject", "relation", "object", "stance", "quote", "attributed_to"]
_RELATION_COLUMNS += ["source_title", "source_publisher", "source_url", "source_date"]


@st.composite
def _entity_row(draw: st.DrawFn, slug: str) -> list[str]:
    kind = draw(_mostly(["Company", "Person", "GovernmentBody"], ["Spaceship", ""]))
    country = draw(_mostly(["GB", "", "de"], ["Nowhere"]))
    ident = draw(_mostly(["", f"wikidata:Q{len(slug)}"], ["nocolon"]))
    return [slug, draw(NAME), kind, draw(TEXT), country, ident]


@st.composite
def _relation_row(draw: st.DrawFn, ids: list[str]) -> list[str]:
    ends = st.sampled_from([*ids, "hikvision"])
    return [
        draw(ends),
        draw(_mostly(["directorOf", "ownerOf", "suppliesTo"], ["sellsTo"])),
        draw(ends),
        draw(_mostly(["", "asserted", "denied"], ["maybe"])),
        draw(NAME),
        draw(NAME),
        draw(NAME),
        draw(_mostly(["Companies House"], [""])),
        draw(_mostly(["", "https://example.org/"], ["nope"])),
        draw(_mostly(["", "2020", "2020-01-02"], ["2020-13-45"])),
    ]


@st.composite
def _sheets(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    """An entities sheet and a relationships sheet, each perhaps mutated."""
    slugs = st.sampled_from(["acme", "jane-doe", "beta-corp", "x1"] * 4 + ["Not An Id"])
    ids = draw(st.lists(slugs, min_size=1, max_size=4, unique=True))
    entities = [draw(_entity_row(i)) for i in ids]
    relations = draw(st.lists(_relation_row(ids), max_size=3))
    out = []
    for name, header, rows in [
        ("entities.csv", _ENTITY_COLUMNS, entities),
        ("relationships.csv", _RELATION_COLUMNS, relations),
    ]:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=draw(st.sampled_from([",", ";"])))
        writer.writerow(header)
        writer.writerows(rows)
        out.append((name, draw(_mutated(text.getvalue().encode()))))
    return out


@SETTINGS
@given(_sheets())
def test_any_csv_sheet_imports_or_is_refused_leaving_the_store_as_it_was(
    graph: KnowledgeGraph, sheets: list[tuple[str, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        paths = [_write(directory, name, data) for name, data in sheets]
        _either_succeeds_or_refuses_cleanly(graph, lambda: graph.import_files("csv", paths))


# -- FollowTheMoney --------------------------------------------------------------------------

_LINKS = {
    "Ownership": ("owner", "asset"),
    "Payment": ("payer", "beneficiary"),
    "Directorship": ("director", "organization"),
}
_EXTRA = ["amount", "currency", "startDate", "wikidataId", "country", "addressEntity"]
_EXTRA_VALUES = ["12.5", "EUR", "2020-01-01", "Q1", "de", "missing"]


@st.composite
def _ftm_entity(draw: st.DrawFn, ftm_id: str, ids: list[str]) -> dict[str, Any]:
    schema = draw(_mostly(["Company", "Person", "Address", *_LINKS], ["Vessel", ""]))
    props: dict[str, Any] = {"name": [draw(NAME)]}
    for key in _LINKS.get(schema, ()):
        props[key] = [draw(_mostly(ids, ["missing"]))]
    for key in draw(st.lists(st.sampled_from(_EXTRA), max_size=2, unique=True)):
        props[key] = [draw(st.sampled_from(_EXTRA_VALUES))]
    if draw(st.sampled_from([False] * 30 + [True])):
        props["odd"] = draw(st.sampled_from(["text", [1], [["nested"]], None]))
    return {"id": ftm_id, "schema": schema, "properties": props}


@st.composite
def _ftm_file(draw: st.DrawFn) -> bytes:
    """FtM entities as JSON lines or a JSON array, perhaps mutated."""
    ids = [f"e{i}" for i in range(draw(st.integers(1, 5)))]
    records = [draw(_ftm_entity(i, ids)) for i in ids]
    if draw(st.booleans()):
        text = json.dumps(records, ensure_ascii=draw(st.booleans()), indent=1)
    else:
        text = "".join(json.dumps(r) + "\n" for r in records)
    return draw(_mutated(text.encode()))


@SETTINGS
@given(_ftm_file())
def test_any_ftm_file_imports_or_is_refused_leaving_the_store_as_it_was(
    graph: KnowledgeGraph, data: bytes
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = _write(directory, "entities.ijson", data)
        _either_succeeds_or_refuses_cleanly(graph, lambda: graph.import_files("ftm", [path]))


# -- OCDS ------------------------------------------------------------------------------------

_PACKAGE = json.loads(
    (SHARED / "samples" / "ocds" / "ocds-213czf-000-00001-04-award.json").read_text("utf-8")
)
_FIELDS = [
    ("ocid",),
    ("id",),
    ("date",),
    ("parties",),
    ("parties", 0, "id"),
    ("parties", 0, "name"),
    ("parties", 1, "roles"),
    ("parties", 1, "identifier"),
    ("buyer",),
    ("tender",),
    ("tender", "title"),
    ("awards",),
    ("awards", 0, "suppliers"),
    ("awards", 0, "value"),
    ("awards", 0, "value", "amount"),
    ("awards", 0, "status"),
]
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
    max_leaves=5,
)


@st.composite
def _ocds_file(draw: st.DrawFn) -> bytes:
    package = copy.deepcopy(_PACKAGE)
    release = package["releases"][0]
    for field in draw(st.lists(st.sampled_from(_FIELDS), max_size=3)):
        holder: Any = release
        try:
            for key in field[:-1]:
                holder = holder[key]
            holder[field[-1]] = draw(_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    return draw(_mutated(json.dumps(package, ensure_ascii=draw(st.booleans())).encode()))


@SETTINGS
@given(_ocds_file())
def test_any_ocds_file_imports_or_is_refused_leaving_the_store_as_it_was(
    graph: KnowledgeGraph, data: bytes
) -> None:
    options = ImportOptions(publisher="Open Data Services Co-operative Limited")
    with tempfile.TemporaryDirectory() as directory:
        path = _write(directory, "release.json", data)
        run = lambda: graph.import_files("ocds", [path], options=options)  # noqa: E731
        _either_succeeds_or_refuses_cleanly(graph, run)


def test_a_refused_load_on_disk_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """The same property on an on-disk store (checkpointed bulk writes), for two failures."""
    kg = KnowledgeGraph.open(Settings(store_dir=tmp_path / "store"))
    try:
        before = _checksum(kg)
        good = _write(str(tmp_path), "good.ttl", f"<{EX}a> <{EX}p> 'x' .\n".encode())
        deep = _write(
            str(tmp_path), "deep.ttl", f"<{EX}a> <{EX}p> {'[ <p> ' * 200} 1 {']' * 200} .".encode()
        )
        with pytest.raises(SkgError, match="SKG_MAX_NESTING"):
            kg.load([good, deep])
        bad = _write(
            str(tmp_path),
            "bad.ijson",
            b'{"id": "a", "schema": "Company", "properties": {"name": ["\xff"]}}\n',
        )
        with pytest.raises(SkgError, match="not UTF-8"):
            kg.import_files("ftm", [bad])
        assert _checksum(kg) == before
    finally:
        kg.close()


def test_two_source_titles_with_one_slug_become_two_sources(graph: KnowledgeGraph) -> None:
    """Found by the CSV property: "Annual report!" and "Annual report?" both slugify to
    annual-report, and were one source with two titles (refused by the shapes)."""
    rows = "acme,ownerOf,hikvision,q1,a,Annual report!,Companies House\n"
    rows += "acme,suppliesTo,hikvision,q2,a,Annual report?,Companies House\n"
    header = "subject,relation,object,quote,attributed_to,source_title,source_publisher\n"
    with tempfile.TemporaryDirectory() as directory:
        entities = _write(directory, "e.csv", b"id,name,type\nacme,Acme,Company\n")
        relations = _write(directory, "r.csv", (header + rows).encode())
        graph.import_files("csv", [entities, relations])
    titles = graph.store.query(
        "SELECT ?s ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t "
        'FILTER(STRSTARTS(?t, "Annual report")) }'
    )
    assert len({str(row["s"].value) for row in titles.rows()}) == 2
