"""supplychain-kg: a knowledge graph of surveillance-technology supply chains with evidence."""

__all__ = ["__version__"]

__version__ = "0.1.0"
