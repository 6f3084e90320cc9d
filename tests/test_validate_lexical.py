"""Typed literals must have a valid lexical form: an xsd:date that exists, a decimal that is a
number. ``skg validate`` and loads refuse the others, naming the value and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplychain_kg.cli import main
from supplychain_kg.errors import ValidationError
from supplychain_kg.namespaces import XSD
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.validate import lexical_problem

from .conftest import FIXTURES

HEAD = (FIXTURES / "extra-valid.ttl").read_text("utf-8")


def _with_claim_value(tmp_path: Path, predicate: str, literal: str) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(
        HEAD + f"claim:test-integrator-hikvision skg:{predicate} {literal} .\n", "utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("text", "datatype"),
    [
        ("2011-02-30", "date"),
        ("2024-13-45", "date"),
        ("2023-02-29", "date"),
        ("2011-2-3", "date"),
        ("2011-02-03T25:00:00", "dateTime"),
        ("2011-04-31T10:00:00Z", "dateTime"),
        ("11", "gYear"),
        ("a lot", "decimal"),
        ("1e5", "decimal"),
        ("NaN", "decimal"),
        ("1.5", "integer"),
        ("yes", "boolean"),
    ],
)
def test_ill_formed_values_are_refused(text: str, datatype: str) -> None:
    assert lexical_problem(text, XSD + datatype) is not None


@pytest.mark.parametrize(
    ("text", "datatype"),
    [
        ("2012-02-29", "date"),
        ("2000-02-29", "date"),
        ("2011-02-28Z", "date"),
        ("2011-02-03T24:00:00", "dateTime"),
        ("2011-02-03T10:00:00.5+01:00", "dateTime"),
        ("2011", "gYear"),
        ("-12.50", "decimal"),
        (".5", "decimal"),
        ("-0042", "integer"),
        ("false", "boolean"),
    ],
)
def test_well_formed_values_pass(text: str, datatype: str) -> None:
    assert lexical_problem(text, XSD + datatype) is None


@given(st.dates())
def test_every_real_day_is_a_valid_date(day: object) -> None:
    assert lexical_problem(str(day), XSD + "date") is None


def test_skg_validate_refuses_a_day_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _with_claim_value(tmp_path, "validFrom", '"2011-02-28"^^xsd:date')
    assert main(["validate", str(good)]) == 0
    bad = _with_claim_value(tmp_path, "validFrom", '"2011-02-30"^^xsd:date')
    assert main(["validate", str(bad)]) != 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "2011-02-30" in text
    assert "February 2011 has 28 days" in text


def test_load_refuses_an_amount_that_is_no_number_and_changes_nothing(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    before = set(kg.store.quads())
    bad = _with_claim_value(tmp_path, "amount", '"a lot"^^xsd:decimal')
    with pytest.raises(ValidationError) as caught:
        kg.load([bad])
    assert any(
        v.rule == "lexical-form" and "a lot" in str(v.value) for v in caught.value.violations
    )
    assert set(kg.store.quads()) == before
