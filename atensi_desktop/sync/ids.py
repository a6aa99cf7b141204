"""Identifiers made on the device: UUIDv7 (RFC 9562) and short display ids for paper and phone."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A time-ordered UUIDv7; ids made in the same millisecond stay increasing (monotonic random part)."""
    global _last_ms, _last_rand
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            rand = _last_rand + 1
            if rand >= 1 << 74:  # counter exhausted inside one ms: borrow the next ms
                ms, rand = ms + 1, int.from_bytes(os.urandom(10), "big") >> 7
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 6  # 74 bits, top bit clear leaves headroom
        _last_ms, _last_rand = ms, rand
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def uuid7_ms(value: uuid.UUID) -> int:
    """The millisecond timestamp carried in a UUIDv7."""
    return value.int >> 80


def crockford32(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(out))


def display_id(office_code: str | None, record_id: uuid.UUID) -> str:
    """Short code for paper forms and phone calls, e.g. 'DSHSS-7K2M9Q': a search key, not unique by construction."""
    # Hashed, not the raw low bits: UUIDv7s made in one millisecond differ only by a counter, and
    # neighbouring display ids one keystroke apart would invite mix-ups on the phone.
    tail = crockford32(int.from_bytes(hashlib.blake2b(record_id.bytes, digest_size=4).digest(), "big"), 6)
    prefix = (office_code or "ATS").upper()
    return f"{prefix}-{tail}"
