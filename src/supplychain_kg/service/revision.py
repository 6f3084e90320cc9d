"""The store's revision as answers carry it, so a shared view can say the graph has changed.

A remote engine keeps its revision with the data (every process's writes count), so its token
is the number itself. The embedded store counts writes in this process only, from 0 at each
open; its token adds an id drawn when the store was opened, so that a restart, which may have
followed any change on disk, never passes for the same graph.
"""

from __future__ import annotations

import secrets
import weakref

from supplychain_kg.store import Store

__all__ = ["revision_token"]

_EPOCHS: weakref.WeakKeyDictionary[Store, str] = weakref.WeakKeyDictionary()


def revision_token(store: Store, *, remote: bool = False) -> str:
    """A short text that is the same exactly while the store's data is the same; ``remote``
    says the store is a remote engine (``Settings.store_url``), whose revision lasts.

    >>> revision_token(store)
    'r5a1c9e-3'
    """
    if remote:
        return f"e{store.revision}"
    epoch = _EPOCHS.get(store)
    if epoch is None:
        epoch = _EPOCHS.setdefault(store, secrets.token_hex(3))
    return f"r{epoch}-{store.revision}"
