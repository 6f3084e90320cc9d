"""``python -m supplychain_kg.cli``: the ``skg`` command."""

from supplychain_kg.cli import main

raise SystemExit(main())
