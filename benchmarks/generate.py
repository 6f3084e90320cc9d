"""Generate a synthetic supply-chain graph with the same shape as the seed graph.

Entities of every role (manufacturers, contractors, companies, people, government bodies,
projects, tenders, cities, technologies, publishers), direct relations between them with
skewed degrees (a few hubs, a long tail), and for every relation a claim node with source
document, quote, attribution and stance, exactly as graph/shapes.ttl requires. About 3% of
claims deny their relation (no direct triple then) and about 2% of asserted relations also
carry a denying claim (disputed).

    python benchmarks/generate.py --triples 1000000 --out /tmp/synthetic-1m.nt
    python benchmarks/generate.py --entities 1000000 --relations 5000000 --out big.nt

The output is N-Triples (the fastest syntax to parse). Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

SKG = "https://w3id.org/supplychain-kg/ontology#"
BASE = "https://w3id.org/supplychain-kg/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
TITLE = "<http://purl.org/dc/terms/title>"
PUBLISHER = "<http://purl.org/dc/terms/publisher>"
DATE = "<http://purl.org/dc/terms/date>"
XSD_DATE = "<http://www.w3.org/2001/XMLSchema#date>"

# role -> share of entities
ROLES: dict[str, float] = {
    "Manufacturer": 0.01,
    "Contractor": 0.10,
    "Company": 0.30,
    "Person": 0.15,
    "MunicipalGovernment": 0.04,
    "NationalGovernment": 0.01,
    "Project": 0.15,
    "Tender": 0.15,
    "City": 0.05,
    "Technology": 0.01,
    "MediaOrganization": 0.03,
}

# (relation, subject roles, object roles, weight)
RELATIONS: list[tuple[str, tuple[str, ...], tuple[str, ...], float]] = [
    ("sourcesFrom", ("Contractor",), ("Manufacturer",), 0.14),
    ("suppliesTo", ("Manufacturer",), ("Contractor", "Project"), 0.06),
    ("wonTender", ("Contractor",), ("Tender",), 0.14),
    ("issuedBy", ("Tender",), ("MunicipalGovernment", "NationalGovernment"), 0.12),
    ("forProject", ("Tender",), ("Project",), 0.10),
    ("initiatedBy", ("Project",), ("MunicipalGovernment", "NationalGovernment"), 0.08),
    ("locatedIn", ("Project", "MunicipalGovernment"), ("City",), 0.08),
    ("usesTechnology", ("Project",), ("Technology",), 0.06),
    ("ownerOf", ("Company", "Person"), ("Company", "Contractor"), 0.12),
    ("directorOf", ("Person",), ("Company", "Contractor"), 0.10),
]

ATTRIBUTIONS = (
    "three people with direct knowledge of the matter",
    "a company statement",
    "procurement records",
    "local media",
    "a former official",
)


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Generator:
    """Writes the graph line by line; holds only the entity ids per role in memory."""

    def __init__(self, entities: int, relations: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.entities = entities
        self.relations = relations
        self.by_role: dict[str, list[int]] = {role: [] for role in ROLES}
        self.sources = max(10, relations // 50)

    def _role_of(self, i: int, roles: list[str], cuts: list[float]) -> str:
        x = (i * 0.6180339887) % 1.0  # spread roles evenly over ids
        for role, cut in zip(roles, cuts, strict=True):
            if x < cut:
                return role
        return roles[-1]

    def entity_lines(self) -> Iterator[str]:
        roles = list(ROLES)
        cuts: list[float] = []
        total = 0.0
        for role in roles:
            total += ROLES[role]
            cuts.append(total / sum(ROLES.values()))
        for i in range(self.entities):
            role = self._role_of(i, roles, cuts)
            self.by_role[role].append(i)
            iri = f"<{BASE}e{i}>"
            yield f"{iri} {RDF_TYPE} <{SKG}{role}> .\n"
            yield f"{iri} {LABEL} {lit(f'{role} {i}')} .\n"
            yield f"{iri} <{SKG}slug> {lit(f'e{i}')} .\n"
            if i % 5 == 0:
                yield f"{iri} {ALT} {lit(f'{role[:3]}-{i}')} .\n"
        for role in roles:
            if not self.by_role[role]:  # tiny graphs: make sure every role exists
                i = self.entities + len(roles) + roles.index(role)
                self.by_role[role].append(i)
                iri = f"<{BASE}e{i}>"
                yield f"{iri} {RDF_TYPE} <{SKG}{role}> .\n"
                yield f"{iri} {LABEL} {lit(f'{role} {i}')} .\n"
                yield f"{iri} <{SKG}slug> {lit(f'e{i}')} .\n"

    def source_lines(self) -> Iterator[str]:
        publishers = self.by_role["MediaOrganization"]
        for j in range(self.sources):
            iri = f"<{BASE}source/s{j}>"
            pub = publishers[j % len(publishers)]
            day = 1 + j % 28
            month = 1 + j % 12
            yield f"{iri} {RDF_TYPE} <{SKG}SourceDocument> .\n"
            yield f"{iri} <{SKG}slug> {lit(f's{j}')} .\n"
            yield f"{iri} {TITLE} {lit(f'Report {j} on surveillance procurement')} .\n"
            yield f"{iri} {PUBLISHER} <{BASE}e{pub}> .\n"
            yield f'{iri} {DATE} "20{15 + j % 10}-{month:02d}-{day:02d}"^^{XSD_DATE} .\n'

    def _pick(self, roles: tuple[str, ...], skewed: bool) -> int:
        pool = self.by_role[roles[self.rng.randrange(len(roles))]]
        if skewed:  # power law: low indexes are hubs
            return pool[int(len(pool) * self.rng.random() ** 3)]
        return pool[self.rng.randrange(len(pool))]

    def relation_lines(self) -> Iterator[str]:
        kinds = [r for r in RELATIONS]
        weights = [r[3] for r in RELATIONS]
        rng = self.rng
        for k in range(self.relations):
            name, subj_roles, obj_roles, _ = rng.choices(kinds, weights)[0]
            s = self._pick(subj_roles, skewed=False)
            o = self._pick(obj_roles, skewed=True)
            draw = rng.random()
            stance = "Denied" if draw < 0.03 else "Asserted"
            yield from self._claim(k, s, name, o, stance)
            if stance == "Asserted":
                yield f"<{BASE}e{s}> <{SKG}{name}> <{BASE}e{o}> .\n"
                if draw > 0.98:  # disputed: a second source denies it
                    yield from self._claim(self.relations + k, s, name, o, "Denied")

    def _claim(self, k: int, s: int, rel: str, o: int, stance: str) -> Iterator[str]:
        c = f"<{BASE}claim/c{k}>"
        rng = self.rng
        yield f"{c} {RDF_TYPE} <{SKG}Claim> .\n"
        yield f"{c} <{SKG}slug> {lit(f'c{k}')} .\n"
        yield f"{c} <{SKG}subject> <{BASE}e{s}> .\n"
        yield f"{c} <{SKG}relation> <{SKG}{rel}> .\n"
        yield f"{c} <{SKG}object> <{BASE}e{o}> .\n"
        yield f"{c} <{SKG}stance> <{SKG}{stance}> .\n"
        yield f"{c} <{SKG}source> <{BASE}source/s{rng.randrange(self.sources)}> .\n"
        verb = "denies that" if stance == "Denied" else "says"
        yield f"{c} <{SKG}quote> {lit(f'The report {verb} entity {s} {rel} entity {o}.')} .\n"
        yield f"{c} <{SKG}attribution> {lit(ATTRIBUTIONS[k % len(ATTRIBUTIONS)])} .\n"
        if k % 3 == 0:
            yield (f'{c} <{SKG}validFrom> "20{15 + k % 10}-{1 + k % 12:02d}-01"^^{XSD_DATE} .\n')

    def write(self, out: TextIO) -> int:
        count = 0
        for part in (self.entity_lines(), self.source_lines(), self.relation_lines()):
            buffer: list[str] = []
            for line in part:
                buffer.append(line)
                if len(buffer) >= 50_000:
                    out.write("".join(buffer))
                    count += len(buffer)
                    buffer.clear()
            out.write("".join(buffer))
            count += len(buffer)
        return count


def sizes_for_triples(triples: int) -> tuple[int, int]:
    """Entities and relations that give about ``triples`` triples (4 relations an entity)."""
    per_entity = 3.2 + 4 * 10.4
    entities = max(50, int(triples / per_entity))
    return entities, 4 * entities


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, help="aim for about this many triples")
    parser.add_argument("--entities", type=int, help="number of entities")
    parser.add_argument("--relations", type=int, help="number of relations (default 4 per entity)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-", help="output .nt file ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.entities:
        entities, relations = args.entities, args.relations or 4 * args.entities
    else:
        entities, relations = sizes_for_triples(args.triples or 1_000_000)
    gen = Generator(entities, relations, args.seed)
    started = time.perf_counter()
    if args.out == "-":
        count = gen.write(sys.stdout)
    else:
        with Path(args.out).open("w", encoding="utf-8", buffering=1 << 20) as out:
            count = gen.write(out)
    elapsed = time.perf_counter() - started
    print(
        f"generated {count:,} triples ({entities:,} entities, {relations:,} relations) "
        f"in {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
