"""Change notices for the dashboard's live feed: which kinds of state changed, per subscriber."""

from __future__ import annotations

import asyncio


class Feed:
    """One subscriber: the kinds changed since it last looked, and an event that wakes it."""

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.wake = asyncio.Event()

    def take(self) -> set[str]:
        kinds, self.kinds = self.kinds, set()
        self.wake.clear()
        return kinds


class Changes:
    """Fan-out of "something of kind X changed". Costs one set lookup per change with no
    subscriber, so the publish and delivery paths can call it unconditionally."""

    def __init__(self) -> None:
        self._feeds: set[Feed] = set()
        self._closed = False

    @property
    def subscribers(self) -> int:
        """Streams open now (a stream that ended, however it ended, no longer counts)."""
        return len(self._feeds)

    def closed(self) -> bool:
        return self._closed

    def notify(self, kind: str) -> None:
        for feed in self._feeds:
            feed.kinds.add(kind)
            feed.wake.set()

    def subscribe(self) -> Feed:
        feed = Feed()
        self._feeds.add(feed)
        return feed

    def unsubscribe(self, feed: Feed) -> None:
        self._feeds.discard(feed)

    def close(self) -> None:
        """Shutting down: wake every subscriber so its stream ends."""
        self._closed = True
        for feed in self._feeds:
            feed.wake.set()
