"""A local QStash v2 server that the official SDKs work against unchanged."""
