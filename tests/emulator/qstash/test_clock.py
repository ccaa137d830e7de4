"""The emulator's clock: moving it tells its listeners how far, in manual and system mode."""

from __future__ import annotations

from emulator.qstash.clock import Clock


def test_listeners_hear_every_move_of_time() -> None:
    clock = Clock(manual=True, start=1000.0)
    heard: list[float] = []
    clock.on_advance.append(heard.append)

    clock.advance(5)
    clock.set(1012.5)
    clock.set(900.0)  # never backwards: a move of nothing

    assert clock.now() == 1012.5
    assert heard == [5, 7.5, 0.0]


def test_listeners_hear_moves_on_the_system_clock_too() -> None:
    clock = Clock()
    heard: list[float] = []
    clock.on_advance.append(heard.append)

    clock.advance(60)

    assert heard == [60]
