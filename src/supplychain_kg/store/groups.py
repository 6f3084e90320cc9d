"""Groups of writes that are kept or undone together: ``undoable()`` and ``transaction()``.

Engine-neutral bookkeeping; the engine supplies a *save point* (on disk: a checkpoint of the
database and the ``LOADING`` marker; in memory: a copy of the quads) and the ways to go back
to it or drop it.

What nesting means: blocks nest *flat*, as transactions without savepoints do. The outermost
block is the group; a block opened inside it joins it. The save point is made at the group's
first write (a group that writes nothing costs nothing). When an exception leaves *any* block
of the group, every write made since the group began is undone at once; if the caller catches
that exception and goes on inside an outer block, any further write there raises StoreError,
and so does leaving the outer block normally (its writes are gone: it must not look kept).
When the outermost block ends normally, the group's writes are kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from ..errors import StoreError

__all__ = ["UNDONE_MESSAGE", "WriteGroups"]

UNDONE_MESSAGE = (
    "the writes of this block were undone when an error left a block inside it; "
    "nothing written in it was kept"
)


class WriteGroups:
    """The state of the open group of writes, if any, for one store handle.

    ``save`` makes the save point, ``restore`` goes back to it, ``keep`` drops it after a
    successful group, and ``end`` runs last whatever happened (e.g. releases a lock taken by
    ``save``).
    """

    def __init__(
        self,
        *,
        save: Callable[[], None],
        restore: Callable[[], None],
        keep: Callable[[], None],
        end: Callable[[], None],
    ) -> None:
        self._save, self._restore, self._keep, self._end = save, restore, keep, end
        self.depth = 0
        self.saved = False
        self.undone = False

    def before_write(self) -> None:
        """Call before every write: inside a group, make its save point at the first one."""
        if not self.depth:
            return
        if self.undone:
            raise StoreError(UNDONE_MESSAGE)
        if not self.saved:
            self._save()
            self.saved = True

    @contextlib.contextmanager
    def group(self) -> Iterator[None]:
        """One block of the group (the outermost one opens and closes the group)."""
        outer = self.depth == 0
        self.depth += 1
        kept = False
        try:
            yield
            if self.undone:
                raise StoreError(UNDONE_MESSAGE)
            kept = True
        except BaseException:
            self._undo()
            raise
        finally:
            self.depth -= 1
            if outer:
                self._close(kept)

    def _undo(self) -> None:
        if self.saved and not self.undone:
            self.undone = True
            self._restore()

    def _close(self, kept: bool) -> None:
        try:
            if kept and self.saved:
                self._keep()
        finally:
            self.saved = self.undone = False
            self._end()
