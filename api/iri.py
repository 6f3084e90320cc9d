"""Absolute IRIs (RFC 3987) for the dataset parameters of a SPARQL request.

``default-graph-uri`` and ``named-graph-uri`` go to the engine as IRIs; one it cannot read
must be a 400 that names the parameter, not an engine failure. The grammar below is RFC 3987's
``absolute-IRI`` (with ``ifragment``, as the protocol's graph names may carry one), the one
Oxigraph's parser follows; IPv6 literals are checked by :mod:`ipaddress`.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["is_absolute_iri"]

_UCS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
    "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd"
    "\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd"
)
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = f"A-Za-z0-9\\-._~{_UCS}"
_SUB = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_PCHAR = f"(?:[{_UNRESERVED}{_SUB}:@]|{_PCT})"
_IRI = re.compile(
    "[A-Za-z][A-Za-z0-9+\\-.]*:"  # scheme
    "(?:"
    f"//(?:(?:[{_UNRESERVED}{_SUB}:]|{_PCT})*@)?"  # userinfo
    f"(?P<host>\\[[^\\]]*\\]|(?:[{_UNRESERVED}{_SUB}]|{_PCT})*)"
    "(?::[0-9]*)?"  # port
    f"(?:/{_PCHAR}*)*"
    f"|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?"  # absolute, rootless or empty path
    ")"
    f"(?:\\?(?:{_PCHAR}|[/?{_PRIVATE}])*)?"
    f"(?:#(?:{_PCHAR}|[/?])*)?"
)
_FUTURE = re.compile(f"v[0-9A-Fa-f]+\\.[{_UNRESERVED}{_SUB}:]+")


def is_absolute_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI (RFC 3987).

    >>> is_absolute_iri("http://example.org/g"), is_absolute_iri("g"), is_absolute_iri("a:[")
    (True, False, False)
    """
    match = _IRI.fullmatch(value)
    if match is None:
        return False
    host = match.group("host") or ""
    if not host.startswith("["):
        return True
    inner = host[1:-1]
    if _FUTURE.fullmatch(inner):
        return True
    if "%" in inner:  # RFC 3987 has no IPv6 zone identifiers
        return False
    try:
        ipaddress.IPv6Address(inner)
    except ValueError:
        return False
    return True
