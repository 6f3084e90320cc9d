"""The ``skg`` command: parses arguments, calls the service layer, prints results.

One module per command group (``loading``: load, validate; ``queries``: query, stats;
``entities``: search, show; ``paths``: path, neighbors; ``exports``; ``imports``; ``backups``:
backup, restore; ``serve``), each with its handlers and the options it adds to the parser;
``output`` holds what they share, ``parser`` the parser and ``main``.
"""

from supplychain_kg.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
