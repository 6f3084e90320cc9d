"""The store's lock (taken before any recovery), its write gate, and ``undoable()`` groups."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.errors import StoreError, StoreLockedError
from supplychain_kg.model import IRI, Literal, Quad
from supplychain_kg.store import Store, open_store
from supplychain_kg.store.layout import CHECKPOINT, MARKER

from .store_support import kill9, python, wait_for_line

EX = "http://example.org/"
OPEN = "import sys; from pathlib import Path; from supplychain_kg.store import open_store\n"


def _quad(s: str, o: str = "x") -> Quad:
    return Quad(IRI(EX + s), IRI(EX + "p"), Literal(o))


def _insert(store: Store, s: str) -> None:
    store.update(f'INSERT DATA {{ <{EX}{s}> <{EX}p> "x" }}')


def _subjects(store: Store) -> set[str]:
    return {q.subject.value.removeprefix(EX) for q in store.quads()}


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = open_store(None if request.param == "memory" else tmp_path / "store")
    yield s
    s.close()


# -- the lock --------------------------------------------------------------------------------


def test_a_second_process_cannot_open_during_a_write_and_does_not_undo_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "s"
    owner = open_store(root)
    try:
        _insert(owner, "before")
        with owner.undoable():
            _insert(owner, "during")  # checkpoint and LOADING marker now on disk
            assert (root / MARKER).exists() and (root / CHECKPOINT).is_dir()
            other = python(OPEN + "open_store(Path(sys.argv[1]))", str(root))
            _, err = other.communicate(timeout=60)
            assert other.returncode != 0
            assert "StoreLockedError" in err and "in use by another process" in err
            assert (root / MARKER).exists() and (root / CHECKPOINT).is_dir()
            assert _subjects(owner) == {"before", "during"}
        assert _subjects(owner) == {"before", "during"}
    finally:
        owner.close()


def test_a_second_open_in_the_same_process_is_refused_and_changes_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "s"
    owner = open_store(root)
    try:
        with owner.undoable():
            _insert(owner, "during")
            with pytest.raises(
                StoreLockedError, match=r"this process \(pid \d+\) already has it open"
            ):
                open_store(root)
            assert (root / MARKER).exists()
            assert _subjects(owner) == {"during"}
    finally:
        owner.close()


def test_the_lock_of_a_killed_process_is_released_and_its_write_undone(tmp_path: Path) -> None:
    root = tmp_path / "s"
    first = open_store(root)
    _insert(first, "kept")
    first.close()
    writer = python(
        OPEN + "s = open_store(Path(sys.argv[1]))\n"
        "with s.undoable():\n"
        "    s.update('INSERT DATA { <http://example.org/lost> <http://example.org/p> 1 }')\n"
        "    print('written', flush=True)\n"
        "    sys.stdin.read() if sys.stdin else None\n"
        "    import time; time.sleep(60)\n",
        str(root),
    )
    try:
        wait_for_line(writer, "written")
    finally:
        kill9(writer)
    assert (root / "skg.lock").exists()  # left behind, but unlocked by the kernel
    reopened = open_store(root)
    try:
        assert _subjects(reopened) == {"kept"}
        assert not (root / MARKER).exists() and not (root / CHECKPOINT).exists()
    finally:
        reopened.close()


def test_of_several_processes_racing_to_open_exactly_one_wins(tmp_path: Path) -> None:
    root = tmp_path / "s"
    open_store(root).close()
    go = tmp_path / "go"
    code = (
        OPEN + "import time\n"
        "go = Path(sys.argv[2])\n"
        "while not go.exists(): time.sleep(0.001)\n"
        "try:\n"
        "    s = open_store(Path(sys.argv[1]))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, flush=True); sys.exit(0)\n"
        "print('opened', flush=True); time.sleep(2); s.close()\n"
    )
    racers = [python(code, str(root), str(go)) for _ in range(4)]
    time.sleep(1.0)  # let every racer reach its wait
    go.touch()
    outcomes = sorted(r.communicate(timeout=60)[0].strip() for r in racers)
    assert outcomes == ["StoreLockedError"] * 3 + ["opened"]


def test_read_only_opens_work_beside_the_owner_and_never_recover(tmp_path: Path) -> None:
    root = tmp_path / "s"
    owner = open_store(root)
    try:
        _insert(owner, "committed")
        with owner.undoable():
            _insert(owner, "pending")
            reader = python(
                OPEN + "r = open_store(Path(sys.argv[1]), read_only=True)\n"
                "print(len(r)); r.close()\n",
                str(root),
            )
            out, err = reader.communicate(timeout=60)
            assert reader.returncode == 0, err
            assert out.strip() in {"1", "2"}  # whichever the files held: nothing is restored
            assert (root / MARKER).exists() and (root / CHECKPOINT).is_dir()
        assert _subjects(owner) == {"committed", "pending"}
    finally:
        owner.close()


def test_a_read_only_handle_refuses_writes(tmp_path: Path) -> None:
    open_store(tmp_path / "s").close()
    reader = open_store(tmp_path / "s", read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            _insert(reader, "x")
    finally:
        reader.close()


# -- undoable() ------------------------------------------------------------------------------


def test_undoable_keeps_the_writes_of_a_block_that_ends_normally(store: Store) -> None:
    with store.undoable():
        _insert(store, "a")
        store.add_quads([_quad("b")])
    assert _subjects(store) == {"a", "b"}


def test_undoable_undoes_update_add_quads_and_absorb_when_the_block_raises(
    store: Store,
) -> None:
    _insert(store, "before")
    staging = store.staging()
    staging.parse_into(f'<{EX}c> <{EX}p> "x" .'.encode(), "text/turtle")
    revision = store.revision
    with pytest.raises(LookupError), store.undoable():
        _insert(store, "a")
        store.add_quads([_quad("b")])
        store.absorb(staging)
        assert _subjects(store) == {"before", "a", "b", "c"}
        raise LookupError("a check failed")
    assert _subjects(store) == {"before"}
    assert len(store) == 1
    assert store.revision > revision  # caches made inside the block are stale


def test_undoable_puts_back_blank_nodes_as_they_were(store: Store) -> None:
    store.update(f"INSERT DATA {{ _:x <{EX}p> [ <{EX}q> 1 ] . GRAPH <{EX}g> {{ _:x <{EX}p> 2 }} }}")
    before = set(store.quads())
    with pytest.raises(LookupError), store.undoable():
        store.update("CLEAR ALL")
        raise LookupError
    assert set(store.quads()) == before


def test_undoable_makes_no_checkpoint_until_the_first_write(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s")
    try:
        with store.undoable():
            assert not (tmp_path / "s" / MARKER).exists()
            _insert(store, "a")
            assert (tmp_path / "s" / MARKER).exists()
        assert not (tmp_path / "s" / MARKER).exists()
        assert not (tmp_path / "s" / CHECKPOINT).exists()
    finally:
        store.close()


def test_an_error_leaving_an_inner_block_undoes_the_whole_group(store: Store) -> None:
    with pytest.raises(StoreError, match="undone"), store.undoable():
        _insert(store, "outer")
        with pytest.raises(LookupError), store.undoable():
            _insert(store, "inner")
            raise LookupError
        with pytest.raises(StoreError, match="nothing more can be written"):
            _insert(store, "after")
    assert _subjects(store) == set()


def test_transaction_inside_undoable_joins_its_group(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s")
    try:
        staging = store.staging()
        staging.parse_into(f'<{EX}t> <{EX}p> "x" .'.encode(), "text/turtle")
        with pytest.raises(LookupError), store.undoable():
            _insert(store, "u")
            with store.transaction() as can_undo:
                assert can_undo
                store.absorb(staging)
            assert _subjects(store) == {"u", "t"}
            raise LookupError
        assert _subjects(store) == set()
    finally:
        store.close()


def test_a_write_in_a_block_waits_for_a_backup_beside_it(tmp_path: Path) -> None:
    from supplychain_kg.store.locks import WriteGate

    store = open_store(tmp_path / "s")
    gate = WriteGate(tmp_path / "s", wait=0)
    try:
        gate.acquire()  # what `skg backup` holds while it copies
        store._gate.wait = 0.2  # type: ignore[attr-defined]
        with pytest.raises(StoreLockedError, match="writing it or backing it up"):
            _insert(store, "a")
        gate.release()
        _insert(store, "a")
        assert _subjects(store) == {"a"}
    finally:
        gate.close()
        store.close()
