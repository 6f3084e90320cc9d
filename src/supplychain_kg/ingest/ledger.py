"""A compact exact map from 64-bit fingerprints to 64-bit values, for the ledger of an import.

An import keeps a fingerprint (Python's 64-bit string hash) of every resource, id and
identifier it wrote, so that it never has to ask the store about them. In a ``dict`` each entry
costs about 100 bytes (the key's and the value's int objects, and the slot): 225 MB for a
million FtM entities. Here a slot costs 8 bytes, plus the value's size (none for a set, 2 bytes
for a small number, 8 for a fingerprint), in arrays kept at most two thirds full: about 80 MB
for the same import. Look-ups are a few array reads (open addressing with linear probing); the
arrays double when full.
"""

from __future__ import annotations

from array import array

__all__ = ["FingerprintTable"]

_EMPTY = 0  # no key; a fingerprint that is 0 is stored as 1 (as if the two strings collided)


def _zeros(typecode: str, slots: int) -> array[int]:
    return array(typecode, bytes(array(typecode).itemsize * slots))


class FingerprintTable:
    """``put(key, value)`` and ``get(key)`` for int keys in the signed 64-bit range (``hash()``
    of a string, say) and values of the array type code ``values``: ``"q"`` (64-bit), ``"h"``
    (16-bit) or ``""`` (no values: a set, where ``get`` answers 0 for a key put)."""

    def __init__(self, slots: int = 1 << 14, values: str = "q") -> None:
        if slots & (slots - 1) or slots < 8:
            raise ValueError(f"slots must be a power of two of at least 8, not {slots}")
        self._typecode = values
        self._keys = _zeros("q", slots)
        self._values = _zeros(values or "b", slots if values else 0)
        self._mask = slots - 1
        self._size = 0
        self._limit = slots * 2 // 3

    def __len__(self) -> int:
        return self._size

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def get(self, key: int) -> int | None:
        """The value of ``key``, or None."""
        key = key or 1
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key:
                return self._values[slot] if self._typecode else 0
            if found == _EMPTY:
                return None
            slot = (slot + 1) & mask

    def put(self, key: int, value: int) -> None:
        """Set the value of ``key`` (added, or replaced)."""
        key = key or 1
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key:
                if self._typecode:
                    self._values[slot] = value
                return
            if found == _EMPTY:
                break
            slot = (slot + 1) & mask
        keys[slot] = key
        if self._typecode:
            self._values[slot] = value
        self._size += 1
        if self._size > self._limit:
            self._grow()

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        slots = len(old_keys) * 2
        code = self._typecode
        self._keys = _zeros("q", slots)
        self._values = _zeros(code or "b", slots if code else 0)
        self._mask, self._limit = slots - 1, slots * 2 // 3
        keys, values, mask = self._keys, self._values, self._mask
        for n, key in enumerate(old_keys):
            if key != _EMPTY:
                slot = key & mask
                while keys[slot] != _EMPTY:
                    slot = (slot + 1) & mask
                keys[slot] = key
                if code:
                    values[slot] = old_values[n]
