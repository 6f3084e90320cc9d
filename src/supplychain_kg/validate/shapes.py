"""Reading ``graph/shapes.ttl``: its node shapes (targets) and their property constraints.

Only the SHACL Core features the validator compiles are accepted; a shapes file that uses any
other is refused (a :class:`~supplychain_kg.errors.ConfigError`) rather than half-checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDFNS

from supplychain_kg.errors import ConfigError
from supplychain_kg.namespaces import SH

__all__ = ["Property", "Shape", "read_shapes"]

_SH = rdflib.Namespace(SH)
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


@dataclass
class Property:
    """One ``sh:property`` of a shape: its path, message and constraints (``params``, by
    their SHACL local name: ``minCount``, ``class``, ``in``...)."""

    path: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Shape:
    """One ``sh:NodeShape``: what it targets and its property constraints."""

    name: str
    target_classes: list[str]
    target_subjects_of: list[str]
    properties: list[Property]


def read_shapes(path: Path) -> list[Shape]:
    """The shapes of a Turtle shapes file; raises ConfigError for an unsupported feature."""
    graph = rdflib.Graph().parse(path, format="turtle")
    shapes: list[Shape] = []
    for node in graph.subjects(RDFNS.type, _SH.NodeShape):
        props: list[Property] = []
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
            props.append(Property(path_iri, message, params))
        shapes.append(
            Shape(
                str(node),
                [str(c) for c in graph.objects(node, _SH.targetClass)],
                [str(p) for p in graph.objects(node, _SH.targetSubjectsOf)],
                props,
            )
        )
    return shapes
