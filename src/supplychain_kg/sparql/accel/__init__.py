"""The graph index: a strict subset of SELECT queries answered from the path projection
(``plan`` recognises the subset, ``index`` keeps the index current and answers, ``join``
evaluates the joins), exactly as Oxigraph would answer them."""

from supplychain_kg.sparql.accel.index import GraphIndex, Result, evaluate
from supplychain_kg.sparql.accel.plan import Plan, parse_plan

__all__ = ["GraphIndex", "Plan", "Result", "evaluate", "parse_plan"]
