"""Schemathesis against the app served on loopback: no 5xx, only documented statuses and bodies.

The app's OpenAPI description (``/openapi.json``) drives generated requests, valid and invalid,
to every operation, with a fixed seed and a bounded number of examples per operation; writes go
to an in-memory store with a write token configured (every request carries it), so fuzzing
cannot harm anything. (Schemathesis's own pytest plugin is not used: its lazy fixture loader
does not run on pytest 9; the strategies it builds are drawn by Hypothesis here instead.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from supplychain_kg.config import Settings
from tests.live import serve

TOKEN = "fuzz-token"
EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema() -> Iterator[BaseSchema]:
    fuzz = Settings(memory=True, write_token=TOKEN, query_timeout=5, max_upload_bytes=1 << 20)
    with serve(fuzz) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


def _operations(schema: BaseSchema) -> list[APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation: APIOperation) -> None:
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30, checks=CHECKS
        )

    run()


def test_every_operation_is_described(api_schema: BaseSchema) -> None:
    labels = {operation.label for operation in _operations(api_schema)}
    assert {"GET /health", "GET /sparql", "POST /sparql", "POST /update", "PUT /store"} <= labels


def test_every_answer_is_documented_and_none_is_a_server_error(api_schema: BaseSchema) -> None:
    failures = []
    for operation in _operations(api_schema):
        try:
            _fuzz(operation)
        except Exception as exc:  # every operation is fuzzed; all failures are reported
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
