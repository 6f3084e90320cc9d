"""``GET /export``: the graph or a subgraph as a file download."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from supplychain_kg.errors import BadRequestError
from supplychain_kg.export import FORMATS, ExportRequest, get_format
from supplychain_kg.paths import MAX_HOPS, MAX_K
from supplychain_kg.service import KnowledgeGraph

from ..body_guard import decoded_too_large
from ..deps import KG, AppSettings
from ..limits import drop_frames
from ..openapi_docs import errors

__all__ = ["router"]

router = APIRouter(tags=["export"])


def _export_to_temp(kg: KnowledgeGraph, request: ExportRequest, timeout: float) -> tuple[Path, str]:
    """Export into a private temporary directory; returns the file and its download name.

    The whole file is written before the response starts, so a failed export answers with an
    error status instead of a truncated download.
    """
    resolved = kg.resolve_export(request, timeout=timeout)
    folder = Path(tempfile.mkdtemp(prefix="skg-export-"))
    try:
        path = folder / resolved.filename()
        kg.export_to_file(resolved, path, timeout=timeout)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        drop_frames(exc)
        raise exc from exc.__cause__
    return path, resolved.filename()


@router.get("/export", response_class=FileResponse, responses=errors(403, 404, 409, 422, 503))
async def export(
    *,
    kg: KG,
    settings: AppSettings,
    format: Annotated[str, Query(description=f"one of {', '.join(FORMATS)}")] = "graphml",
    around: Annotated[str | None, Query(description="entity id, IRI or name")] = None,
    depth: Annotated[int, Query(ge=0, le=10, description="links from `around`")] = 1,
    relation: Annotated[list[str] | None, Query(description="follow only these")] = None,
    direction: Annotated[str, Query(description="out, in or any")] = "any",
    construct: Annotated[str | None, Query(description="a CONSTRUCT query")] = None,
    source: Annotated[str | None, Query(description="path query: from (as /paths)")] = None,
    target: Annotated[str | None, Query(description="path query: to (as /paths)")] = None,
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 6,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="alternative paths")] = 3,
    include_disputed: bool = False,
    per_claim: Annotated[bool, Query(description="each claim its own edge")] = False,
) -> FileResponse:
    """Download the whole graph, the neighbourhood of `around`, the result of a path query
    (`source`, `target` and the /paths parameters) or of a CONSTRUCT query as GraphML, GEXF,
    Cytoscape JSON, CSV (zip) or RDF (Turtle, N-Quads, JSON-LD)."""
    if construct is not None:
        decoded_too_large(
            construct, settings.max_query_bytes, "a CONSTRUCT query", "SKG_MAX_QUERY_BYTES"
        )
    path_query = None
    if source or target:
        if not (source and target):
            raise BadRequestError("a path export needs both source and target")
        path_query = {"source": source, "target": target, "max_hops": max_hops, "k": k,
                      "include_disputed": include_disputed}  # fmt: skip
    request = ExportRequest(
        format=format,
        around=around,
        depth=depth,
        relations=tuple(relation or ()),
        direction=direction,
        construct=construct,
        path_query=path_query,
        per_claim=per_claim,
    )
    return await _download(kg, request, settings.query_timeout)


@router.post("/export", response_class=FileResponse, responses=errors(422, 503))
async def export_paths(
    *,
    kg: KG,
    settings: AppSettings,
    answer: Annotated[dict[str, Any], Body(description="a path answer, as GET /paths gives it")],
    format: Annotated[str, Query(description=f"one of {', '.join(FORMATS)}")] = "graphml",
    per_claim: Annotated[bool, Query(description="each claim its own edge")] = False,
) -> FileResponse:
    """Download exactly the nodes and edges of a path answer (posted as JSON), with every
    claim the store holds about those edges."""
    ends = [str(answer.get(k, "")).rsplit("/", 1)[-1] for k in ("source", "target")]
    label = "-".join(e for e in ends if e)
    request = ExportRequest(format=format, paths=answer, label=label, per_claim=per_claim)
    return await _download(kg, request, settings.query_timeout)


async def _download(kg: KnowledgeGraph, request: ExportRequest, timeout: float) -> FileResponse:
    fmt = request.check()
    path, filename = await run_in_threadpool(_export_to_temp, kg, request, timeout)
    return FileResponse(
        path,
        media_type=get_format(fmt.name).media_type,
        filename=filename,
        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True),
    )
