"""HTTP handlers for the QStash-shaped /v2 routes: parse, call the state, shape JSON."""
