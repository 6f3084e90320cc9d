"""The bare floor: a ten-line ASGI app passing ?query= straight to pyoxigraph (benchmarks only)."""

import sys
from urllib.parse import parse_qs

import pyoxigraph as ox
import uvicorn

store = ox.Store.read_only(sys.argv[1])


async def app(scope, receive, send):
    query = parse_qs(scope["query_string"].decode())["query"][0]
    body = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/sparql-results+json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
