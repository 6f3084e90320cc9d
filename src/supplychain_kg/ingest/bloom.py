"""A Bloom filter: a fixed-size record of strings that never forgets one it was given.

Used by imports to skip store look-ups that cannot match: an identifier of a scheme the store
held none of when the import began is in the store only if the import wrote it, and if the
filter says it did not, it did not (a "maybe" is checked in the store as usual).
"""

from __future__ import annotations

__all__ = ["Bloom"]


class Bloom:
    """``item in bloom`` is False only for strings never added (True may be a false alarm:
    about 1 in 250 after a million strings with the default size, 2 MB)."""

    def __init__(self, bits: int = 1 << 24) -> None:
        if bits & (bits - 1):
            raise ValueError(f"bits must be a power of two, not {bits}")
        self._mask = bits - 1
        self._bits = bytearray(bits >> 3)

    def add(self, item: str) -> None:
        bits = self._bits
        for slot in self._slots(item):
            bits[slot >> 3] |= 1 << (slot & 7)

    def __contains__(self, item: str) -> bool:
        bits = self._bits
        return all(bits[slot >> 3] & (1 << (slot & 7)) for slot in self._slots(item))

    def _slots(self, item: str) -> tuple[int, int, int]:
        h, mask = hash(item), self._mask
        return h & mask, (h >> 21) & mask, ((h >> 42) ^ (h >> 7)) & mask
