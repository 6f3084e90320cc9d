"""The rules of the data model that SHACL Core cannot express, each one SPARQL scan of the
staged data, checked again against the context (the store the data is written to):

* a direct triple of a claimed relation exists only while an asserting claim backs it;
* an asserting claim whose object is an entity has its direct triple;
* a claim's relation is a claimed relation (entity object) or a literal relation (literal
  object) of the vocabulary;
* ids (``skg:slug``) are unique in the store.
"""

from __future__ import annotations

from supplychain_kg.errors import Violation
from supplychain_kg.model import IRI, Literal, Row, term_to_sparql
from supplychain_kg.namespaces import SKG
from supplychain_kg.store import Store
from supplychain_kg.validate.ontology import Ontology, short_name
from supplychain_kg.validate.queries import chunked, show_term, values_block

__all__ = ["check_claim_relations", "check_direct_triples", "check_slugs"]


def check_direct_triples(ontology: Ontology, data: Store, context: Store | None) -> list[Violation]:
    """Direct triples of claimed relations that no asserting claim backs, and asserting
    claims about two entities without their direct triple."""
    relations = values_block("rel", sorted(ontology.claimed_relations))
    if _all_paired(ontology, data, relations):
        return []
    # MINUS is evaluated as a hash anti-join by Oxigraph; FILTER NOT EXISTS ran per row and
    # was 200x slower on 100k triples. The right side of MINUS is evaluated on its own:
    # without the VALUES it hashed every triple of the data (3x slower on 400k triples).
    unbacked = f"""
        SELECT DISTINCT ?s ?rel ?o WHERE {{ {relations} ?s ?rel ?o .
          MINUS {{ ?c <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o ;
                     <{SKG}stance> <{SKG}Asserted> }} }}"""
    rows = list(data.query(unbacked).rows())
    if rows and context is not None:
        rows = [r for r in rows if not _backed_in(context, r)]
    out = [
        Violation(
            str(r["s"].value),
            short_name(str(r["rel"].value)),
            "claim-backed",
            "a direct triple needs a claim with stance skg:Asserted that backs it",
            show_term(r["o"]),
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
        rows = [r for r in rows if not _triple_in(context, r)]
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


def _all_paired(ontology: Ontology, data: Store, relations: str) -> bool:
    """Whether every direct triple of a claimed relation in ``data`` has an asserting claim
    in ``data``, and every asserting claim of a claimed relation with an IRI object its
    direct triple: the usual case, told by comparing two sets of (object, relation, subject)
    lines of tab-separated results (a term has one such form; tabs and line breaks inside
    one are escaped), at about half the cost of the two joins that find which do not."""
    direct = f"SELECT ?o ?rel ?s WHERE {{ {relations} ?s ?rel ?o }}"
    claims = f"""SELECT ?o ?rel ?s WHERE {{ ?c <{SKG}stance> <{SKG}Asserted> ;
        <{SKG}relation> ?rel ; <{SKG}subject> ?s ; <{SKG}object> ?o }}"""
    triples = set(_tsv_lines(data, direct))
    asserted = set(_tsv_lines(data, claims))
    if not triples <= asserted:  # the claims of other relations cannot match a triple
        return False
    claimed = {f"<{r}>".encode() for r in ontology.claimed_relations}
    return not any(
        line[:1] == b"<" and line not in triples and line.split(b"\t")[1] in claimed
        for line in asserted
    )


def _tsv_lines(data: Store, query: str) -> list[bytes]:
    """The rows of a SELECT as lines of tab-separated results."""
    answer = data.query(query).serialize("text/tab-separated-values") or b""
    return [line for line in answer.split(b"\n")[1:] if line]


def _backed_in(context: Store, row: Row) -> bool:
    """Whether an asserting claim of ``context`` backs the triple of ``row``."""
    s, rel, o = (term_to_sparql(row[k]) for k in ("s", "rel", "o"))
    ask = (
        f"ASK {{ ?c <{SKG}subject> {s} ; <{SKG}relation> {rel} ; <{SKG}object> {o} ; "
        f"<{SKG}stance> <{SKG}Asserted> }}"
    )
    return context.query(ask).boolean


def _triple_in(context: Store, row: Row) -> bool:
    """Whether ``context`` has the triple of ``row``."""
    s, rel, o = (term_to_sparql(row[k]) for k in ("s", "rel", "o"))
    return context.query(f"ASK {{ {s} {rel} {o} }}").boolean


def check_claim_relations(ontology: Ontology, data: Store) -> list[Violation]:
    """A claim's relation is known, and its object's kind fits the relation.

    Two cheap scans (relations used; claims with a literal object) replace a join over
    every claim: the join only runs for relations and objects that need a closer look.
    """
    known = ontology.claimed_relations | ontology.literal_relations
    used = {
        str(r["rel"].value)
        for r in data.query(f"SELECT DISTINCT ?rel WHERE {{ ?c <{SKG}relation> ?rel }}").rows()
    }
    suspicious = sorted((used - known) | (used & ontology.literal_relations))
    rows: list[Row] = []
    if suspicious:
        query = f"""SELECT ?focus ?rel ?o WHERE {{ {values_block("rel", suspicious)}
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
            message = "a claim's relation must be a claimed or literal relation of the vocabulary"
            out[focus] = Violation(focus, "skg:relation", "known-relation", message, f"<{rel}>")
        elif rel in ontology.claimed_relations and not isinstance(obj, IRI):
            message = f"{short_name(rel)} links two entities: its object must be an IRI"
            out[focus] = Violation(focus, "skg:object", "object-kind", message, show_term(obj))
        elif rel in ontology.literal_relations and not isinstance(obj, Literal):
            message = f"{short_name(rel)} has a value: its object must be a literal"
            out[focus] = Violation(focus, "skg:object", "object-kind", message, show_term(obj))
    return list(out.values())


def check_slugs(data: Store, context: Store | None, small_context: bool) -> list[Violation]:
    """Ids used by several resources of ``data``, or by one of ``data`` and another of
    ``context`` (``small_context``: the context has fewer triples than the data)."""
    counts = (
        f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?slug) AS ?d) WHERE {{ ?x <{SKG}slug> ?slug }}"
    )
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
        for chunk in chunked(slugs):
            values = "VALUES ?slug { " + " ".join(term_to_sparql(Literal(x)) for x in chunk) + " }"
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
