"""Hybrid logical clock: 48-bit wall milliseconds << 16 | 16-bit counter (sync-design.md §2.4)."""

from __future__ import annotations

import time

COUNTER_BITS = 16
MAX_FUTURE_SKEW_MS = 24 * 3600 * 1000


def wall_ms() -> int:
    return int(time.time() * 1000)


def pack(ms: int, counter: int = 0) -> int:
    return (ms << COUNTER_BITS) | counter


def physical_ms(hlc: int) -> int:
    return hlc >> COUNTER_BITS


def next_hlc(last: int, now_ms: int) -> int:
    """The tick rule: the wall clock when it is ahead, else one more than the last value."""
    wall = pack(now_ms)
    return wall if wall > last else last + 1
