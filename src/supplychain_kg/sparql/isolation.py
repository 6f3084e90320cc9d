"""Cutting a process off from the network, so that no query can make it fetch a URL.

The SPARQL engine follows ``SERVICE <url>`` and ``LOAD <url>`` with its own HTTP client. The
query guard (``guard.py``) refuses both unless an allow-list names the URL, deciding on a
real parse of the text; this module adds a second, independent wall below it: the kernel
refuses the process any new Internet socket, so even a query the parser misread cannot reach
a host. Sockets made before (the server's listening socket, the pipes and Unix socket pairs to
its query workers) keep working, and processes started afterwards inherit the restriction.

Two mechanisms, tried in order:

- **seccomp** (Linux, unprivileged, through libseccomp): ``socket()`` of any family but
  ``AF_UNIX`` fails with ``EACCES``, and so does ``io_uring_setup`` (which could open sockets
  without the ``socket`` system call).
- **a new, empty network namespace** (Linux, needs root or unprivileged user namespaces): the
  process keeps its sockets but sees no network device, so every connection fails with
  ``ENETUNREACH``.

Elsewhere (macOS, Windows, a container that forbids both) nothing is applied and
:func:`isolate_network` returns ``""``: the parser guard then stands alone, and the server
says so in its log and in ``GET /health``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import socket
import sys

__all__ = ["isolate_network", "network_isolation"]

log = logging.getLogger(__name__)

_applied: dict[str, str] = {}
"""``{"mode": ...}`` once tried: "" (none), "seccomp" or "netns"."""

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def network_isolation() -> str:
    """The mechanism that keeps this process off the network ("" when none)."""
    return _applied.get("mode", "")


def isolate_network() -> str:
    """Forbid this process, and every process it starts, to open an Internet socket.

    Returns the mechanism that took effect (``"seccomp"`` or ``"netns"``), or ``""`` if no
    mechanism is available here. Calling it again returns the first answer. Call it before the
    process starts threads where possible (a network namespace cannot be entered otherwise).

    >>> mode = isolate_network()  # doctest: +SKIP
    >>> socket.create_connection(("127.0.0.1", 80))  # doctest: +SKIP
    Traceback (most recent call last):
    PermissionError: [Errno 13] Permission denied
    """
    if "mode" in _applied:
        return _applied["mode"]
    mode = ""
    if sys.platform.startswith("linux"):
        for name, apply in (("seccomp", _seccomp), ("netns", _netns)):
            try:
                apply()
            except (OSError, RuntimeError, AttributeError, ImportError) as exc:
                log.debug("network isolation by %s is not available: %s", name, exc)
                continue
            if _internet_blocked():
                mode = name
                break
    _applied["mode"] = mode
    if not mode:
        log.warning(
            "this process could not be cut off from the network (no seccomp or network "
            "namespace here): SERVICE and LOAD are refused by the query parser alone"
        )
    return mode


def _seccomp() -> None:
    import pyseccomp as seccomp

    refuse = seccomp.ERRNO(errno.EACCES)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)  # every thread of the process, not only this one
    rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    with contextlib.suppress(RuntimeError, OSError, ValueError):  # older kernels lack io_uring
        rules.add_rule(refuse, "io_uring_setup")
    rules.load()


def _netns() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return
    code = ctypes.get_errno()
    raise OSError(code, f"unshare: {errno.errorcode.get(code, code)}")


def _internet_blocked() -> bool:
    """Whether this process can no longer reach an Internet address."""
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except OSError:
        return True
    with probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed; no packet is sent
        except OSError as exc:
            return exc.errno in (errno.ENETUNREACH, errno.EACCES, errno.EPERM)
    return False
