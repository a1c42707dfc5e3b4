"""Many small objects moved at once: all of them arrive, and a failure surfaces as a single
call's would, so the worker still tells an outage from a poison event."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from greenroom_common.faults import is_transient
from greenroom_common.testing import MemoryStore


def test_files_travel_both_ways_intact(tmp_path: Path) -> None:
    store = MemoryStore()
    sent = []
    for i in range(30):
        path = tmp_path / f"{i}.jpg"
        path.write_bytes(f"frame {i}".encode())
        sent.append((f"a/frames/{i:05d}.jpg", path, "image/jpeg"))
    asyncio.run(store.put_files(sent))
    back = [(key, tmp_path / f"back-{i}") for i, (key, _, _) in enumerate(sent)]
    asyncio.run(store.download_files(back))
    assert [p.read_bytes() for _, p in back] == [f"frame {i}".encode() for i in range(30)]


def test_an_outage_during_a_transfer_is_raised_as_itself(tmp_path: Path) -> None:
    store = MemoryStore()
    path = tmp_path / "f.jpg"
    path.write_bytes(b"x")
    store.down = True
    with pytest.raises(Exception) as raised:
        asyncio.run(store.put_files([(f"k{i}", path, "image/jpeg") for i in range(5)]))
    assert not isinstance(raised.value, BaseExceptionGroup)
    assert is_transient(raised.value)
