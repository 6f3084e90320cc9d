"""Groups of writes that are kept or undone together: ``undoable()`` and ``transaction()``.

Engine-neutral bookkeeping; the engine supplies a *save point* (on disk: a checkpoint of the
database and the ``LOADING`` marker; in memory: a copy of the quads) and the ways to go back
to it or drop it.

What nesting means: blocks nest *flat*, as transactions without savepoints do. The outermost
block is the group; a block opened inside it joins it. The save point is made at the group's
first write (a group that writes nothing costs nothing; one whose every write failed, as an
update with a syntax error does, is not undone: there is nothing to undo). When the outermost
block ends
normally, the group's writes are kept. When an exception leaves *any* block of the group, the
whole group has failed: every write made since it began is undone when the outermost block
ends (not earlier: undoing reopens the database, which must not happen under a reader that
the group's own code may still be running, e.g. an import's stager). If the caller catches the
exception and goes on inside an outer block, any further write there raises StoreError, and so
does leaving the outer block normally (its writes are undone: it must not look kept).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from supplychain_kg.errors import StoreError

__all__ = ["UNDONE_MESSAGE", "WriteGroups"]

UNDONE_MESSAGE = (
    "an error left a block inside this group of writes: every write made in the group is "
    "undone when its outermost block ends, and nothing more can be written in it"
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
        self.failed = False
        self.wrote = False

    def before_write(self) -> None:
        """Call before every write: inside a group, make its save point at the first one."""
        if not self.depth:
            return
        if self.failed:
            raise StoreError(UNDONE_MESSAGE)
        if not self.saved:
            self._save()
            self.saved = True

    def after_write(self) -> None:
        """Call after every write that succeeded."""
        if self.depth:
            self.wrote = True

    @contextlib.contextmanager
    def group(self) -> Iterator[None]:
        """One block of the group (the outermost one opens and closes the group)."""
        outer = self.depth == 0
        self.depth += 1
        kept = False
        try:
            yield
            if self.failed:
                raise StoreError(UNDONE_MESSAGE)
            kept = True
        except BaseException:
            self.failed = True
            raise
        finally:
            self.depth -= 1
            if outer:
                self._close(kept)

    def _close(self, kept: bool) -> None:
        try:
            if self.saved:
                if kept or not self.wrote:
                    self._keep()
                else:
                    self._restore()
        finally:
            self.saved = self.failed = self.wrote = False
            self._end()
