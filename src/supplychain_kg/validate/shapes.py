"""Validation of data against ``graph/shapes.ttl`` before it is written.

A small SHACL Core engine that compiles each constraint of the shapes file into a SPARQL query
and runs it on the staging store (Oxigraph), so that a million-triple load validates in seconds
(pyshacl takes minutes at that size; the tests check both agree). Data being loaded often refers
to entities already stored (a claim about ``ent:hikvision``), so a constraint that fails on the
staging data alone is checked again against the union of staging and the target store before it
is reported.

Besides the shapes, three rules of the data model that SHACL Core cannot express:

* a direct triple of a claimed relation exists only while an asserting claim backs it;
* an asserting claim whose object is an entity has its direct triple;
* a claim's relation is a claimed relation (entity object) or a literal relation (literal
  object) of the vocabulary, and ids (``skg:slug``) are unique in the store.
"""

from __future__ import annotations

import concurrent.futures
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDFNS
from rdflib.namespace import RDFS as RDFSNS

from supplychain_kg.config import graph_dir
from supplychain_kg.errors import ConfigError, Violation
from supplychain_kg.model import IRI, Literal, Row, Term, term_to_sparql
from supplychain_kg.namespaces import PREFIXES, SH, SKG
from supplychain_kg.store import Store

__all__ = ["Ontology", "Validator", "load_ontology", "load_validator", "short_name"]

_SH = rdflib.Namespace(SH)
_SKG = rdflib.Namespace(SKG)
_SUPPORTED = {
    _SH[name]
    for name in (
        "path",
        "minCount",
        "maxCount",
        "datatype",
        "nodeKind",
        "class",
        "in",
        "pattern",
        "minInclusive",
        "maxInclusive",
        "message",
        "name",
        "description",
    )
}
_BATCH = 2000


@dataclass(frozen=True)
class Ontology:
    """What the validator and the path projection need to know of ``ontology.ttl``."""

    subclasses: dict[str, frozenset[str]]
    claimed_relations: frozenset[str]
    literal_relations: frozenset[str]
    non_traversable: frozenset[str]
    labels: dict[str, str]

    def closure(self, cls: str) -> frozenset[str]:
        """The class and all its subclasses."""
        return self.subclasses.get(cls, frozenset({cls}))


def _closure(graph: rdflib.Graph) -> dict[str, frozenset[str]]:
    children: dict[str, set[str]] = {}
    for sub, sup in graph.subject_objects(RDFSNS.subClassOf):
        children.setdefault(str(sup), set()).add(str(sub))
    result: dict[str, frozenset[str]] = {}
    for root in {str(c) for c in graph.subjects(RDFNS.type, rdflib.OWL.Class)} | set(children):
        seen = {root}
        todo = [root]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        result[root] = frozenset(seen)
    return result


@lru_cache(maxsize=4)
def load_ontology(path: Path | None = None) -> Ontology:
    """Read the vocabulary file (default: the packaged ``graph/ontology.ttl``)."""
    graph = rdflib.Graph().parse(path or graph_dir() / "ontology.ttl", format="turtle")
    claimed = frozenset(str(p) for p in graph.subjects(RDFNS.type, _SKG.ClaimedRelation))
    literal = frozenset(str(p) for p in graph.subjects(RDFNS.type, _SKG.LiteralRelation))
    hidden = frozenset(
        str(p)
        for p, v in graph.subject_objects(_SKG.traversable)
        if isinstance(v, rdflib.Literal) and not bool(v.toPython())
    )
    labels = {str(s): str(o) for s, o in graph.subject_objects(RDFSNS.label)}
    return Ontology(_closure(graph), claimed, literal, hidden, labels)


@dataclass
class _Property:
    path: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class _Shape:
    name: str
    target_classes: list[str]
    target_subjects_of: list[str]
    properties: list[_Property]


def _read_shapes(path: Path) -> list[_Shape]:
    graph = rdflib.Graph().parse(path, format="turtle")
    shapes: list[_Shape] = []
    for node in graph.subjects(RDFNS.type, _SH.NodeShape):
        props: list[_Property] = []
        for prop in graph.objects(node, _SH.property):
            params: dict[str, object] = {}
            for pred, obj in graph.predicate_objects(prop):
                if pred not in _SUPPORTED:
                    raise ConfigError(f"{path}: unsupported SHACL feature <{pred}> in {node}")
                if pred == _SH["in"]:
                    params["in"] = [str(x) for x in Collection(graph, obj)]
                elif isinstance(obj, rdflib.Literal):
                    params[str(pred)[len(SH) :]] = obj.toPython()
                else:
                    params[str(pred)[len(SH) :]] = str(obj)
            path_iri = str(params.pop("path"))
            message = str(params.pop("message", f"constraint on {path_iri} not met"))
            props.append(_Property(path_iri, message, params))
        shapes.append(
            _Shape(
                str(node),
                [str(c) for c in graph.objects(node, _SH.targetClass)],
                [str(p) for p in graph.objects(node, _SH.targetSubjectsOf)],
                props,
            )
        )
    return shapes


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _chunks(items: list[str], size: int = _BATCH) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _iris(store: Store, query: str) -> list[str]:
    """The IRIs a one-column SELECT of IRIs answers, read from its tab-separated form (three
    times faster than building rows)."""
    answer = store.query(query).serialize("text/tab-separated-values") or b""
    return [line[1:-1] for line in answer.decode("utf-8").split("\n")[1:] if line[:1] == "<"]


def _count(store: Store, query: str) -> int:
    """The ``?n`` of a one-row ``SELECT (COUNT(...) AS ?n)``."""
    for row in store.query(query).rows():
        return int(str(row["n"].value))
    return 0


def _slug_owners(store: Store) -> dict[str, set[str]]:
    """Slug -> the resources that have it. Read from the tab-separated answer when every
    slug is a plain string (three times faster than rows), else from the rows."""
    query = f"SELECT ?x ?slug WHERE {{ ?x <{SKG}slug> ?slug }}"
    owners: dict[str, set[str]] = {}
    answer = store.query(query).serialize("text/tab-separated-values") or b""
    for line in answer.decode("utf-8").split("\n")[1:]:
        if not line:
            continue
        x, _, slug = line.partition("\t")
        plain = slug[1:-1]
        if x[:1] != "<" or slug[:1] != '"' or slug[-1:] != '"' or '"' in plain or "\\" in plain:
            owners = {}  # a blank node, an escape, a datatype: take the slow, exact way
            for row in store.query(query).rows():
                owners.setdefault(str(row["slug"].value), set()).add(str(row["x"].value))
            return owners
        owners.setdefault(plain, set()).add(x[1:-1])
    return owners


def short_name(iri: str) -> str:
    """``prefix:name`` for an IRI of a known namespace, else ``<iri>``."""
    for name, prefix in PREFIXES.items():
        if iri.startswith(prefix) and name != "ent":
            return f"{name}:{iri[len(prefix) :]}"
    return f"<{iri}>"


def _show(term: Term | None) -> str | None:
    if term is None:
        return None
    return term_to_sparql(term) if not isinstance(term, IRI) else f"<{term.value}>"


@dataclass(frozen=True)
class _RunFacts:
    """What one validation run learns up front and its checks share (checks run in threads)."""

    multi_valued: set[str]
    """Predicates with a maxCount on which some staged subject has several values."""
    shared_with: dict[str, set[str]]
    """Per predicate, the staged subjects the store also gives that predicate."""


class Validator:
    """Checks staged data against the shapes and the model's rules."""

    def __init__(self, shapes: list[_Shape], ontology: Ontology) -> None:
        self.shapes = shapes
        self.ontology = ontology

    # -- entry point -----------------------------------------------------------------------

    def validate(self, data: Store, context: Store | None = None) -> list[Violation]:
        """Return every violation in ``data``, read in the light of ``context`` (the store the
        data will be written to). An empty list means the data may be written."""
        return self.prepare(data, context)()

    def prepare(self, data: Store, context: Store | None = None) -> Callable[[], list[Violation]]:
        """Read what validation needs from ``context`` now; return the validation to run.

        The returned function may run while ``data`` is being written into ``context``: it
        only looks ``context`` up by the staged resources, whose values the write adds anyway.
        """
        if context is not None and len(context) == 0:
            context = None
        shared = self._shared_subjects(data, context) if context is not None else []
        small_context = context is not None and len(context) < len(data)

        def run() -> list[Violation]:
            return self._run(data, context, shared, small_context)

        return run

    def _run(
        self, data: Store, context: Store | None, shared: list[str], small_context: bool
    ) -> list[Violation]:
        run = _RunFacts(self._multi_valued(data), self._paths_of(data, shared))
        checks: list[Callable[[], list[Violation]]] = [
            functools.partial(self._check_direct_triples, data, context),
            functools.partial(self._check_claim_relations, data),
            functools.partial(self._check_slugs, data, context, small_context),
        ]
        for shape in self.shapes:
            target = self._target_pattern(shape)
            if target is None:
                continue
            # minCount 1 of several properties: one pass over the targets, not one each
            required = [p for p in shape.properties if p.params.get("minCount") == 1]
            together = {id(p) for p in required} if len(required) > 1 else set()
            if together:
                checks.append(
                    functools.partial(self._check_required, data, context, target, required)
                )
            checks += [
                functools.partial(
                    self._check_property, data, context, run, target, p, min_done=id(p) in together
                )
                for p in shape.properties
            ]
        # The engine releases the GIL while it evaluates, so two threads use both cores.
        with concurrent.futures.ThreadPoolExecutor(2, "skg-validate") as pool:
            found = list(pool.map(lambda check: check(), checks))
        return [v for part in found for v in part]

    # -- shapes ----------------------------------------------------------------------------
    #
    # Cost model (Oxigraph, 1M triples): a scan of one predicate is cheap, a join with the
    # target classes is not. So value constraints scan the predicate alone and apply the
    # target only to the (few) violators; only minCount needs the target up front.

    def _target_pattern(self, shape: _Shape) -> str | None:
        parts = []
        classes = sorted({c for t in shape.target_classes for c in self.ontology.closure(t)})
        if len(classes) == 1:
            parts.append(f"{{ ?focus a <{classes[0]}> }}")
        elif classes:
            parts.append(f"{{ ?focus a ?cls . {_values('cls', classes)} }}")
        parts += [f"{{ ?focus <{p}> [] }}" for p in shape.target_subjects_of]
        if not parts:
            return None
        return " UNION ".join(parts)

    def _in_target(self, data: Store, target: str, focus: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(focus))):
            query = f"SELECT DISTINCT ?focus WHERE {{ {_values('focus', chunk)} {target} }}"
            found |= {str(r["focus"].value) for r in data.query(query).rows()}
        return found

    def _check_property(
        self,
        data: Store,
        context: Store | None,
        run: _RunFacts,
        target: str,
        prop: _Property,
        *,
        min_done: bool = False,
    ) -> list[Violation]:
        out: list[Violation] = []
        p = prop.params
        if "minCount" in p and not min_done:
            out += self._min_count(data, context, target, prop, int(str(p["minCount"])))
        candidates: list[Violation] = []
        if "maxCount" in p:
            candidates += self._max_count(data, context, run, prop, int(str(p["maxCount"])))
        filters = self._value_filters(prop)
        if filters:
            query = (
                f"SELECT DISTINCT ?focus ?v WHERE {{ ?focus <{prop.path}> ?v . "
                f"FILTER({' || '.join(filters)}) }}"
            )
            candidates += [self._violation(r, prop, "value") for r in data.query(query).rows()]
        if "class" in p:
            candidates += self._class(data, context, prop, str(p["class"]))
        if candidates:
            inside = self._in_target(data, target, (v.focus for v in candidates))
            if context is not None:  # a shared subject may be typed in the store only
                rest = {v.focus for v in candidates} - inside
                inside |= self._in_target(context, target, rest) if rest else set()
            out += [v for v in candidates if v.focus in inside]
        return out

    def _value_filters(self, prop: _Property) -> list[str]:
        p = prop.params
        filters = []
        if "datatype" in p:
            filters.append(f"!isLiteral(?v) || datatype(?v) != <{p['datatype']}>")
        kind = p.get("nodeKind")
        if kind == SH + "IRI":
            filters.append("!isIRI(?v)")
        elif kind == SH + "Literal":
            filters.append("!isLiteral(?v)")
        elif kind == SH + "BlankNode":
            filters.append("!isBlank(?v)")
        if "in" in p:
            allowed = ", ".join(f"<{v}>" for v in p["in"])  # type: ignore[attr-defined]
            filters.append(f"?v NOT IN ({allowed})")
        if "pattern" in p:
            pattern = str(p["pattern"]).replace("\\", "\\\\").replace('"', '\\"')
            filters.append(f'!REGEX(STR(?v), "{pattern}")')
        if "minInclusive" in p:
            filters.append(f"?v < {p['minInclusive']}")
        if "maxInclusive" in p:
            filters.append(f"?v > {p['maxInclusive']}")
        return filters

    def _violation(
        self, row: Row, prop: _Property, rule: str, value: str | None = None
    ) -> Violation:
        focus = row["focus"]
        return Violation(
            focus=str(focus.value),
            path=short_name(prop.path),
            rule=rule,
            message=prop.message,
            value=value if value is not None else _show(row.get("v")),
        )

    def _min_count(
        self, data: Store, context: Store | None, target: str, prop: _Property, n: int
    ) -> list[Violation]:
        if n == 1:
            query = (
                f"SELECT DISTINCT ?focus WHERE {{ {target} MINUS {{ ?focus <{prop.path}> [] }} }}"
            )
        else:
            query = (
                f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus <{prop.path}> ?v }} }} "
                f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) < {n})"
            )
        short = [str(r["focus"].value) for r in data.query(query).rows()]
        return self._too_few(data, context, prop, n, short)

    def _check_required(
        self, data: Store, context: Store | None, target: str, props: list[_Property]
    ) -> list[Violation]:
        """minCount 1 of each of ``props`` (one shape's), in one query: the targets that lack
        any of them, and which."""
        names = [f"?v{i}" for i in range(len(props))]
        optional = " ".join(
            f"OPTIONAL {{ ?focus <{p.path}> {v} }}" for p, v in zip(props, names, strict=True)
        )
        unbound = " || ".join(f"!BOUND({v})" for v in names)
        query = f"SELECT ?focus {' '.join(names)} WHERE {{ {target} {optional} FILTER({unbound}) }}"
        short: list[set[str]] = [set() for _ in props]
        for row in data.query(query).rows():
            for i, lacking in enumerate(short):
                if f"v{i}" not in row:
                    lacking.add(str(row["focus"].value))
        out: list[Violation] = []
        for prop, lacking in zip(props, short, strict=True):
            out += self._too_few(data, context, prop, 1, sorted(lacking))
        return out

    def _too_few(
        self, data: Store, context: Store | None, prop: _Property, n: int, short: list[str]
    ) -> list[Violation]:
        """The targets in ``short`` (fewer than ``n`` values in ``data``) that the context
        does not complete."""
        if not short:
            return []
        mine = self._values_in(data, short, prop.path)
        theirs = self._values_in(context, short, prop.path) if context is not None else {}
        out = []
        for focus in short:
            count = len(mine.get(focus, set()) | theirs.get(focus, set()))
            if count < n:
                out.append(
                    Violation(
                        focus,
                        short_name(prop.path),
                        "minCount",
                        prop.message,
                        f"{count} value(s), at least {n} needed",
                    )
                )
        return out

    def _multi_valued(self, data: Store) -> set[str]:
        """Predicates with a maxCount where some subject has more than one value.

        One scan compares, per predicate, the number of triples with the number of distinct
        subjects; only where they differ does a maxCount need a closer look.
        """
        paths = sorted(
            {p.path for s in self.shapes for p in s.properties if "maxCount" in p.params}
        )
        if not paths:
            return set()
        query = f"""SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE {{
            {_values("p", paths)} ?s ?p ?o }} GROUP BY ?p"""
        return {
            str(r["p"].value)
            for r in data.query(query).rows()
            if str(r["n"].value) != str(r["subjects"].value)
        }

    def _max_count(
        self, data: Store, context: Store | None, run: _RunFacts, prop: _Property, n: int
    ) -> list[Violation]:
        if prop.path not in run.multi_valued:
            query = ""
        elif n == 1:
            query = f"SELECT DISTINCT ?focus WHERE {{ ?focus <{prop.path}> ?a , ?b . FILTER(?a != ?b) }}"
        else:
            query = (
                f"SELECT ?focus WHERE {{ ?focus <{prop.path}> ?v }} "
                f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?v) > {n})"
            )
        over = {str(r["focus"].value) for r in data.query(query).rows()} if query else set()
        # a shared subject can only break the limit if the staged data gives it this property
        check = sorted(over | run.shared_with.get(prop.path, set()))
        if not check:
            return []
        mine = self._values_in(data, check, prop.path)
        theirs = self._values_in(context, check, prop.path) if context is not None else {}
        out = []
        for focus in check:
            values = mine.get(focus, set()) | theirs.get(focus, set())
            if len(values) > n and focus in mine:
                out.append(
                    Violation(
                        focus,
                        short_name(prop.path),
                        "maxCount",
                        prop.message,
                        f"{len(values)} values, at most {n}",
                    )
                )
        return out

    @staticmethod
    def _paths_of(data: Store, shared: list[str]) -> dict[str, set[str]]:
        """Predicate -> the shared subjects that the staged data gives it."""
        found: dict[str, set[str]] = {}
        for chunk in _chunks(shared):
            query = f"SELECT DISTINCT ?focus ?p WHERE {{ {_values('focus', chunk)} ?focus ?p [] }}"
            for row in data.query(query).rows():
                found.setdefault(str(row["p"].value), set()).add(str(row["focus"].value))
        return found

    def _shared_subjects(self, data: Store, context: Store) -> list[str]:
        """Subjects of ``data`` that ``context`` also describes (their values add up).

        One lookup per subject of the smaller side, in two threads: this runs before the
        write it prepares, often while nothing else does."""
        small, large = (context, data) if len(context) < len(data) else (data, context)
        subjects = _iris(small, "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")

        def shared(chunk: list[str]) -> list[str]:
            return _iris(
                large, f"SELECT DISTINCT ?focus WHERE {{ {_values('focus', chunk)} ?focus ?p [] }}"
            )

        with concurrent.futures.ThreadPoolExecutor(2, "skg-validate-prepare") as pool:
            return [s for part in pool.map(shared, _chunks(subjects)) for s in part]

    def _values_in(self, store: Store, focus: list[str], path: str) -> dict[str, set[Term]]:
        found: dict[str, set[Term]] = {}
        for chunk in _chunks(focus):
            query = f"SELECT ?focus ?v WHERE {{ {_values('focus', chunk)} ?focus <{path}> ?v }}"
            for row in store.query(query).rows():
                found.setdefault(str(row["focus"].value), set()).add(row["v"])
        return found

    def _class(
        self, data: Store, context: Store | None, prop: _Property, cls: str
    ) -> list[Violation]:
        classes = _values("cls", sorted(self.ontology.closure(cls)))
        untyped = f"?focus <{prop.path}> ?v . MINUS {{ ?v a ?cls . {classes} }}"
        # Distinct values first: a chunk of claims all citing one source gives one row here,
        # not one per claim; only values the context does not type either need their focus.
        values = {r["v"] for r in data.query(f"SELECT DISTINCT ?v WHERE {{ {untyped} }}").rows()}
        if values and context is not None:
            iris = sorted(v.value for v in values if isinstance(v, IRI))
            typed: set[str] = set()
            # FILTER IN, not a second VALUES: Oxigraph joined two VALUES blocks by scanning
            # every typed resource (4.8 s against 0.02 s per 2,000 IRIs on a 650k store)
            allowed = ", ".join(f"<{c}>" for c in sorted(self.ontology.closure(cls)))
            for chunk in _chunks(iris):
                where = f"{_values('v', chunk)} ?v a ?cls . FILTER(?cls IN ({allowed}))"
                # usually all are typed: a count says so without reading a name back
                if _count(context, f"SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {where} }}") == len(
                    chunk
                ):
                    typed.update(chunk)
                    continue
                q = f"SELECT DISTINCT ?v WHERE {{ {where} }}"
                typed |= {str(r["v"].value) for r in context.query(q).rows()}
            values = {v for v in values if not (isinstance(v, IRI) and v.value in typed)}
        if not values:
            return []
        rows = data.query(f"SELECT DISTINCT ?focus ?v WHERE {{ {untyped} }}").rows()
        return [self._violation(r, prop, "class") for r in rows if r["v"] in values]

    # -- model rules -----------------------------------------------------------------------

    def _check_direct_triples(self, data: Store, context: Store | None) -> list[Violation]:
        relations = _values("rel", sorted(self.ontology.claimed_relations))
        # MINUS is evaluated as a hash anti-join by Oxigraph; FILTER NOT EXISTS ran per row and
        # was 200x slower on 100k triples. The right side of MINUS is evaluated on its own:
        # without the VALUES it hashed every triple of the data (3x slower on 400k triples).
        unbacked = f"""
            SELECT DISTINCT ?s ?rel ?o WHERE {{ {relations} ?s ?rel ?o .
              MINUS {{ ?c <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o ;
                         <{SKG}stance> <{SKG}Asserted> }} }}"""
        rows = list(data.query(unbacked).rows())
        if rows and context is not None:
            rows = [r for r in rows if not self._backed_in(context, r)]
        out = [
            Violation(
                str(r["s"].value),
                short_name(str(r["rel"].value)),
                "claim-backed",
                "a direct triple needs a claim with stance skg:Asserted that backs it",
                _show(r["o"]),
            )
            for r in rows
        ]
        missing = f"""
            SELECT DISTINCT ?focus ?s ?rel ?o WHERE {{ {relations}
              ?focus <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o ;
                     <{SKG}stance> <{SKG}Asserted> .
              FILTER(isIRI(?o)) MINUS {{ {relations} ?s ?rel ?o }} }}"""
        rows = list(data.query(missing).rows())
        if rows and context is not None:
            rows = [r for r in rows if not self._triple_in(context, r)]
        out += [
            Violation(
                str(r["focus"].value),
                "skg:object",
                "direct-triple",
                "an asserted claim needs its direct triple (subject relation object) in the data",
                f"no <{r['s'].value}> {short_name(str(r['rel'].value))} <{r['o'].value}>",
            )
            for r in rows
        ]
        return out

    @staticmethod
    def _backed_in(context: Store, row: Row) -> bool:
        s, rel, o = (term_to_sparql(row[k]) for k in ("s", "rel", "o"))
        ask = (
            f"ASK {{ ?c <{SKG}subject> {s} ; <{SKG}relation> {rel} ; <{SKG}object> {o} ; "
            f"<{SKG}stance> <{SKG}Asserted> }}"
        )
        return context.query(ask).boolean

    @staticmethod
    def _triple_in(context: Store, row: Row) -> bool:
        s, rel, o = (term_to_sparql(row[k]) for k in ("s", "rel", "o"))
        return context.query(f"ASK {{ {s} {rel} {o} }}").boolean

    def _check_claim_relations(self, data: Store) -> list[Violation]:
        """A claim's relation is known, and its object's kind fits the relation.

        Two cheap scans (relations used; claims with a literal object) replace a join over
        every claim: the join only runs for relations and objects that need a closer look.
        """
        onto = self.ontology
        known = onto.claimed_relations | onto.literal_relations
        used = {
            str(r["rel"].value)
            for r in data.query(f"SELECT DISTINCT ?rel WHERE {{ ?c <{SKG}relation> ?rel }}").rows()
        }
        suspicious = sorted((used - known) | (used & onto.literal_relations))
        rows: list[Row] = []
        if suspicious:
            query = f"""SELECT ?focus ?rel ?o WHERE {{ {_values("rel", suspicious)}
                ?focus <{SKG}relation> ?rel ; <{SKG}object> ?o }}"""
            rows += list(data.query(query).rows())
        query = f"""SELECT ?focus ?rel ?o WHERE {{ ?focus <{SKG}object> ?o FILTER(!isIRI(?o))
            ?focus <{SKG}relation> ?rel }}"""
        rows += list(data.query(query).rows())
        out: dict[str, Violation] = {}
        for row in rows:
            rel, obj = str(row["rel"].value), row["o"]
            focus = str(row["focus"].value)
            if rel not in known:
                message = (
                    "a claim's relation must be a claimed or literal relation of the vocabulary"
                )
                out[focus] = Violation(focus, "skg:relation", "known-relation", message, f"<{rel}>")
            elif rel in onto.claimed_relations and not isinstance(obj, IRI):
                message = f"{short_name(rel)} links two entities: its object must be an IRI"
                out[focus] = Violation(focus, "skg:object", "object-kind", message, _show(obj))
            elif rel in onto.literal_relations and not isinstance(obj, Literal):
                message = f"{short_name(rel)} has a value: its object must be a literal"
                out[focus] = Violation(focus, "skg:object", "object-kind", message, _show(obj))
        return list(out.values())

    def _check_slugs(
        self, data: Store, context: Store | None, small_context: bool
    ) -> list[Violation]:
        counts = f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?slug) AS ?d) WHERE {{ ?x <{SKG}slug> ?slug }}"
        row = next(iter(data.query(counts).rows()))
        duplicated = str(row["n"].value) != str(row["d"].value)
        query = f"""SELECT ?slug (GROUP_CONCAT(STR(?x); separator=" ") AS ?xs)
                    WHERE {{ ?x <{SKG}slug> ?slug }} GROUP BY ?slug HAVING (COUNT(DISTINCT ?x) > 1)"""
        out = [
            Violation(
                str(r["xs"].value).split()[0],
                "skg:slug",
                "unique-slug",
                "ids must be unique; this one is used by several resources",
                f"{r['slug'].value!r} on {r['xs'].value}",
            )
            for r in (data.query(query).rows() if duplicated else iter([]))
        ]
        if context is None:
            return out
        # Take the ids of the smaller side and look them up on both sides.
        small = context if small_context else data
        owners = _slug_owners(small)
        slugs = sorted(owners)
        # the small side's owners are known from that one scan; look the ids up on the other
        for store in (context,) if small is data else (data,):
            for chunk in _chunks(slugs):
                values = (
                    "VALUES ?slug { " + " ".join(term_to_sparql(Literal(x)) for x in chunk) + " }"
                )
                q = f"SELECT ?x ?slug WHERE {{ {values} ?x <{SKG}slug> ?slug }}"
                for row in store.query(q).rows():
                    owners.setdefault(str(row["slug"].value), set()).add(str(row["x"].value))
        for slug, iris in sorted(owners.items()):
            if len(iris) > 1:
                out.append(
                    Violation(
                        sorted(iris)[0],
                        "skg:slug",
                        "unique-slug",
                        "ids must be unique; the store already uses this one for another resource",
                        f"{slug!r} used by {', '.join(f'<{i}>' for i in sorted(iris))}",
                    )
                )
        return out


@lru_cache(maxsize=4)
def load_validator(shapes: Path | None = None, ontology: Path | None = None) -> Validator:
    """The validator for the packaged shapes and vocabulary (or the files given)."""
    return Validator(_read_shapes(shapes or graph_dir() / "shapes.ttl"), load_ontology(ontology))
