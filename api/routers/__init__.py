"""HTTP routers: thin, each parses a request, calls one service function, returns a schema."""
