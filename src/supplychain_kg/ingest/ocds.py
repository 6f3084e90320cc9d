"""Open Contracting Data Standard (OCDS) releases -> organisations, a project, a tender and
claims, with the publisher and the release as the source.

Input: release packages, record packages (embedded releases, else the compiled release) and
JSON lines of releases or packages. For each contracting process (``ocid``):

* each party becomes an organisation (buyer and procuring entity: government body; supplier
  and tenderer: company; others: organisation), identified by its identifier
  ``<scheme>:<id>`` (e.g. ``GB-COH:11111111``) and by ``ocds-party:<ocid>/<party id>``;
* the process becomes a skg:Project (named after the planning budget's project or the tender)
  and a skg:Tender (named after the tender);
* every release yields claims with that release as source: tender issuedBy buyer, tender
  forProject project, project fundedBy funder, tenderer bidFor tender, and per award and
  supplier ``supplier wonTender tender`` with the award's value, currency and date (a cancelled
  or unsuccessful award is recorded as a denied claim).

The publisher is the release's own ``publisher``, else its package's (its ``name``, else a
``legalName``); ``--publisher`` only for releases that name none. Each release's structure is
checked first (:mod:`.ocds_fields`: what was expected, at which field). An award amount that
is not a number, a currency that is not a code, a date that is no date are left out and
reported per field (``awards.value.amount``...), or refused with ``--strict``.

A release restated in several packages (the compiled package next to the individual release
files) has the same id, source, entities and claims: importing both adds nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.context import Claim, ImportContext
from supplychain_kg.ingest.guards import JsonScanner, Limits
from supplychain_kg.ingest.inputs import display_name, loads, open_text, scan_json_text
from supplychain_kg.ingest.ocds_fields import check_release, clean_day, publisher_of
from supplychain_kg.ingest.text import quote_json, slugify
from supplychain_kg.namespaces import SKG

__all__ = ["import_ocds"]

_ROLE_TYPES = (
    ("buyer", "GovernmentBody"),
    ("procuringEntity", "GovernmentBody"),
    ("supplier", "Company"),
    ("tenderer", "Company"),
    ("funder", "Organization"),
)


def _s(text: str) -> str:
    return slugify(text, limit=120)


def _documents(source: Path | str, limits: Limits) -> list[tuple[int, Any]]:
    """The JSON documents of a file: one (a package or a release), or one per line."""
    name = display_name(source)
    with open_text(source) as handle:
        text = handle.read()
    scan_json_text(text, JsonScanner(name, limits))
    try:
        return [(1, loads(text, name, 1))]
    except ParseError as exc:
        if exc.detail != "not valid JSON: Extra data":
            raise
    return [
        (n, loads(line, name, n)) for n, line in enumerate(text.splitlines(), 1) if line.strip()
    ]


def _releases(doc: Any, name: str, line: int) -> list[tuple[str, dict[str, Any]]]:
    """``(field path, release)`` for every release a document holds."""
    if not isinstance(doc, dict):
        raise ParseError("expected a JSON object (a package or a release)", path=name, line=line)
    if "releases" in doc and "ocid" not in doc:
        items = doc["releases"]
        if not isinstance(items, list):
            raise ParseError("field 'releases': expected a list", path=name, line=line)
        return [(f"releases[{i}]", r) for i, r in enumerate(items)]
    if "records" in doc:
        records = doc["records"]
        if not isinstance(records, list):
            raise ParseError("field 'records': expected a list", path=name, line=line)
        out = []
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                raise ParseError(
                    f"field 'records[{i}]': expected a record object (with 'releases' or "
                    "'compiledRelease')",
                    path=name,
                    line=line,
                )
            if not isinstance(record.get("releases") or [], list):
                raise ParseError(
                    f"field 'records[{i}].releases': expected a list", path=name, line=line
                )
            embedded = [
                (f"records[{i}].releases[{j}]", r)
                for j, r in enumerate(record.get("releases") or [])
                if isinstance(r, dict) and "ocid" in r and "id" in r
            ]
            if embedded:
                out += embedded
            elif isinstance(record.get("compiledRelease"), dict):
                out.append((f"records[{i}].compiledRelease", record["compiledRelease"]))
        return out
    if "ocid" in doc:
        return [("", doc)]
    raise ParseError(
        "expected an OCDS release package ('releases'), record package ('records') or a "
        "release ('ocid')",
        path=name,
        line=line,
    )


def _amount(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return format(Decimal(str(value)), "f")
    except InvalidOperation:
        return None


class _OcdsImport:
    def __init__(self, ctx: ImportContext, publisher: str | None) -> None:
        self.ctx = ctx
        self.default_publisher = publisher
        self.publishers: dict[str, str] = {}

    def publisher(
        self, package: dict[str, Any], release: dict[str, Any], field: str, where: tuple[str, int]
    ) -> tuple[str, str]:
        """(publisher IRI, publisher name) of a release (its own publisher, its package's,
        else ``--publisher``), created on first use."""
        label, idents = publisher_of(package, release, field, where)
        if label is None:
            label, idents = self.default_publisher, []
        if not label:
            raise ParseError(
                f"field '{field}publisher': expected the publisher (an object with a 'name' or "
                "'legalName'), in the release or its package; these releases name none: "
                "import their package or give --publisher",
                path=where[0],
                line=where[1],
            )
        if label in self.publishers:
            return self.publishers[label], label
        ctx = self.ctx
        iri = ctx.resolve(idents) if idents else None
        if iri is None:
            iri = f"{ctx.base}ocds-publisher-{_s(label)}"
            new = not ctx.exists(iri)
            slug = ctx.unique_slug(_s(label), iri, ctx.existing_slugs([_s(label)])) if new else None
            ctx.entity(iri, slug, [SKG + "Organization"], [label], idents, new=new)
        self.publishers[label] = iri
        return iri, label

    def day(self, value: Any, key: str, field: str, where: tuple[str, int]) -> str | None:
        """The day of an OCDS date-time; one that is no date is reported (as ``key``)."""
        day, problem = clean_day(value)
        if problem is not None:
            self.ctx.value_issue(key, value, problem, where, None, path=f"{field}{key}")
        return day

    def party(self, ocid: str, party: dict[str, Any]) -> str:
        ctx = self.ctx
        pid = str(party.get("id", ""))
        idents = [f"ocds-party:{ocid}/{pid}"]
        ident = party.get("identifier") or {}
        others = [ident, *(party.get("additionalIdentifiers") or [])]
        strong = [f"{i['scheme']}:{i['id']}" for i in others if i.get("scheme") and i.get("id")]
        idents = strong + idents
        names = [n for n in (party.get("name"), ident.get("legalName")) if n]
        names = list(dict.fromkeys(str(n) for n in names)) or [pid]
        roles = party.get("roles") or []
        cls = next((t for role, t in _ROLE_TYPES if role in roles), "Organization")
        iri = ctx.resolve(idents)
        if iri is not None:
            ctx.entity(iri, None, (), names, idents, new=False)
            return iri
        key = (
            f"{ident['scheme']}-{ident['id']}"
            if strong and ident.get("scheme")
            else f"{ocid}-{pid}"
        )
        iri = f"{ctx.base}ocds-{_s(key)}"
        slug = ctx.unique_slug(_s(names[0]), iri, ctx.existing_slugs([_s(names[0])]))
        ctx.entity(iri, slug, [SKG + cls], names, idents, new=True)
        return iri

    def process(self, ocid: str, kind: str, names: list[str], fallback: str) -> str:
        """The project or tender entity of a contracting process."""
        ctx = self.ctx
        ident = f"ocds-{kind}:{ocid}"
        iri = ctx.resolve([ident])
        if iri is not None:
            ctx.entity(iri, None, (), names, [ident], new=False)
            return iri
        names = names or [fallback]
        iri = f"{ctx.base}ocds-{_s(ocid)}-{kind}"
        slug = ctx.unique_slug(
            f"{_s(ocid)}-{kind}", iri, ctx.existing_slugs([f"{_s(ocid)}-{kind}"])
        )
        cls = SKG + ("Project" if kind == "project" else "Tender")
        ctx.entity(iri, slug, [cls], names, [ident], new=True)
        return iri

    def release(
        self, release: dict[str, Any], package: dict[str, Any], where: str, name: str, line: int
    ) -> None:
        ctx = self.ctx
        field = f"{where}." if where else ""
        ocid, rid = release.get("ocid"), release.get("id")
        for key, value in (("ocid", ocid), ("id", rid)):
            if not isinstance(value, str) or not value:
                raise ParseError(f"field '{field}{key}': expected a string", path=name, line=line)
        assert isinstance(ocid, str) and isinstance(rid, str)
        check_release(release, field, (name, line))
        pub_iri, pub_name = self.publisher(package, release, field, (name, line))
        src_slug = _s(rid if rid.startswith(ocid) else f"{ocid}-{rid}")
        src_slug = src_slug if src_slug.startswith("ocds") else f"ocds-{src_slug}"
        src = f"{ctx.base}source/{src_slug}"
        tags = ", ".join(str(t) for t in release.get("tag") or [])
        uri = package.get("uri") if isinstance(package.get("uri"), str) else None
        ctx.source(
            src,
            src_slug,
            f"OCDS release {rid} of {ocid}" + (f" ({tags})" if tags else ""),
            pub_iri,
            date=self.day(release.get("date"), "date", field, (name, line)),
            url=uri if uri and uri.startswith(("http://", "https://")) else None,
        )
        rel = _Release(self, release, ocid, field, name, line, src, src_slug, pub_name)
        for i, party in enumerate(release.get("parties") or []):
            if not isinstance(party, dict) or not party.get("id"):
                raise ParseError(
                    f"field '{field}parties[{i}].id': a party needs an id", path=name, line=line
                )
            rel.parties[str(party["id"])] = self.party(ocid, party)
            for role in party.get("roles") or []:
                rel.roles.setdefault(role, []).append(str(party["id"]))
        tender = _dict(release.get("tender"))
        budget = _dict(_dict(release.get("planning")).get("budget"))
        title = tender.get("title")
        rel.project = self.process(
            ocid, "project", [n for n in (budget.get("project"), title) if n], f"Project of {ocid}"
        )
        rel.tender = self.process(
            ocid, "tender", [title] if title else [], f"Contracting process {ocid}"
        )
        rel.claims()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass
class _Release:
    """One release being turned into claims (its source, parties and process entities)."""

    job: _OcdsImport
    data: dict[str, Any]
    ocid: str
    field: str
    file: str
    line: int
    source: str
    source_slug: str
    publisher: str
    parties: dict[str, str] = dc_field(default_factory=dict)
    roles: dict[str, list[str]] = dc_field(default_factory=dict)
    project: str = ""
    tender: str = ""

    def party(self, pid: Any, path: str) -> str:
        if str(pid) not in self.parties:
            raise ParseError(
                f"field '{self.field}{path}': party {pid!r} is not among the release's parties",
                path=self.file,
                line=self.line,
            )
        return self.parties[str(pid)]

    def claim(self, slug: str, s: str, rel: str, o: str, quote: Any, **extra: Any) -> None:
        self.job.ctx.claim(
            Claim(
                f"{self.source_slug}-{slug}",
                s,
                SKG + rel,
                o,
                self.source,
                quote_json(quote),
                self.publisher,
                **extra,
            )
        )

    def claims(self) -> None:
        ocid, roles = self.ocid, self.roles
        if isinstance(self.data.get("tender"), dict):
            t = self.data["tender"]
            excerpt = {"ocid": ocid, "tender": {k: t[k] for k in ("id", "title") if k in t}}
            self.claim("for-project", self.tender, "forProject", self.project, excerpt)
        for pid in roles.get("buyer", []) or roles.get("procuringEntity", []):
            named = [r for r in ("buyer", "procuringEntity") if pid in roles.get(r, [])]
            excerpt = {"ocid": ocid, "party": {"id": pid, "roles": named}}
            buyer = self.party(pid, "parties")
            self.claim(f"issued-by-{_s(pid)}", self.tender, "issuedBy", buyer, excerpt)
        for pid in roles.get("funder", []):
            excerpt = {"ocid": ocid, "party": {"id": pid, "roles": ["funder"]}}
            funder = self.party(pid, "parties")
            self.claim(f"funded-by-{_s(pid)}", self.project, "fundedBy", funder, excerpt)
        for pid in roles.get("tenderer", []):
            excerpt = {"ocid": ocid, "party": {"id": pid, "roles": ["tenderer"]}}
            self.claim(f"bid-{_s(pid)}", self.party(pid, "parties"), "bidFor", self.tender, excerpt)
        for i, award in enumerate(self.data.get("awards") or []):
            if isinstance(award, dict):
                self.award(award, i)

    def award(self, award: dict[str, Any], i: int) -> None:
        value = _dict(award.get("value"))
        path = f"awards[{i}]"
        where = (self.file, self.line)
        amount = currency = None
        if value.get("amount") is not None:
            amount = _amount(value["amount"])
            if amount is None:
                self.job.ctx.value_issue(
                    "awards.value.amount", value["amount"], "a number", where, None,
                    path=f"{self.field}{path}.value.amount",
                )  # fmt: skip
        raw = value.get("currency")
        if isinstance(raw, str) and len(raw) == 3 and raw.isascii() and raw.isalpha():
            currency = raw.upper()
        elif raw is not None:
            self.job.ctx.value_issue(
                "awards.value.currency", raw, "a currency code such as GBP", where, None,
                path=f"{self.field}{path}.value.currency",
            )  # fmt: skip
        day = self.job.day(award.get("date"), "awards.date", self.field, where)
        head = {k: award[k] for k in ("id", "title", "status", "date", "value") if k in award}
        denied = award.get("status") in ("cancelled", "unsuccessful")
        award_slug = _s(str(award.get("id", i)).removeprefix(self.ocid))
        for j, supplier in enumerate(award.get("suppliers") or []):
            pid = supplier.get("id") if isinstance(supplier, dict) else None
            who = self.party(pid, f"{path}.suppliers[{j}].id")
            self.claim(
                f"{award_slug if award_slug.startswith('award') else 'award-' + award_slug}"
                f"-{_s(str(pid))}",
                who,
                "wonTender",
                self.tender,
                {"ocid": self.ocid, "award": {**head, "suppliers": [supplier]}},
                denied=denied,
                valid_from=day,
                amount=amount,
                currency=currency if amount else None,
            )


def import_ocds(
    ctx: ImportContext, sources: list[Path | str], publisher: str | None = None
) -> None:
    """Stage every OCDS file of ``sources`` into ``ctx`` (see the module docstring)."""
    job = _OcdsImport(ctx, publisher)
    for source in sources:
        name = display_name(source)
        for line, doc in _documents(source, ctx.limits):
            package = doc if isinstance(doc, dict) and "ocid" not in doc else {}
            for where, release in _releases(doc, name, line):
                if not isinstance(release, dict):
                    raise ParseError(
                        f"field '{where}': expected a release object", path=name, line=line
                    )
                job.release(release, package, where, name, line)
                ctx.tick()
                ctx.maybe_commit()
        ctx.report.files += 1
    ctx.tick(0, force=True)
