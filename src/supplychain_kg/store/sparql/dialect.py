"""Literals kept as the embedded store keeps them, whatever the engine does with them.

Engines that store typed literals as native values write them back in their own lexical form.
Virtuoso 7 is the one that matters here: ``"1200000"^^xsd:decimal`` comes back as an
``xsd:integer``, and ``"false"^^xsd:boolean`` as ``"0"``. So, on the way out, a decimal without
a fraction is written with ``.0`` (the same value; Oxigraph, as the embedded store does, gives it
back as ``"1200000"``), and, on the way in, a boolean written ``1``/``0`` is read as
``true``/``false`` (its canonical form, which the embedded store keeps). Other lexical changes
are left as the engine makes them (Virtuoso writes ``"1.5e3"^^xsd:double`` as ``1500.0``; the
seed has no doubles).

Both rewrites are on N-Triples or SPARQL text and on SPARQL JSON results, and touch only a
literal that opens after white space, ``(``, ``,`` or ``{``: inside a string a quote is always
escaped, so no string's content can match.
"""

from __future__ import annotations

import re

__all__ = ["incoming", "outgoing"]

_XSD = r"http://www\.w3\.org/2001/XMLSchema#"
_DECIMAL = re.compile(rf'(?<=[\s(,{{])"([+-]?[0-9]+)"\^\^<{_XSD}decimal>')
_BOOLEAN_TEXT = re.compile(rb'(?<=[\s(,{])"([01])"\^\^<' + _XSD.encode() + rb"boolean>")
_BOOLEAN_JSON = re.compile(
    rb'("datatype"\s*:\s*"' + _XSD.encode() + rb'boolean"\s*,\s*"value"\s*:\s*")([01])"'
)
_WORDS = {b"1": b"true", b"0": b"false"}


def outgoing(text: str) -> str:
    """``text`` (N-Triples or SPARQL) with every fractionless decimal written with ``.0``.

    >>> outgoing('<a> <b> "1200000"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
    '<a> <b> "1200000.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .'
    """
    if "decimal>" not in text:
        return text
    return _DECIMAL.sub(
        lambda m: f'"{m.group(1)}.0"^^<http://www.w3.org/2001/XMLSchema#decimal>', text
    )


def incoming(body: bytes, media_type: str) -> bytes:
    """An engine's answer with booleans written ``1``/``0`` read as ``true``/``false``."""
    if b"boolean" not in body:
        return body
    if "json" in media_type:
        return _BOOLEAN_JSON.sub(lambda m: m.group(1) + _WORDS[m.group(2)] + b'"', body)
    return _BOOLEAN_TEXT.sub(
        lambda m: b'"' + _WORDS[m.group(1)] + b'"^^<http://www.w3.org/2001/XMLSchema#boolean>',
        body,
    )
