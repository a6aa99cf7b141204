"""An import killed inside its transaction (kill -9) leaves the database exactly as it was, and the same file
then imports fine (issue 7; sync-design.md §4.2 "atomic and crash-safe", §5.2 fault injection).

The importer pauses just before its commit when ATENSI_TEST_PAUSE_IMPORT names a file: it creates that file
and sleeps, so the test knows every version and row is written (uncommitted) when it kills the process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atensi_desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]
FP = re.compile(r"Sidik jari \(bacakan lewat telepon kepada kantor mitra\): ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})$",
                re.M)


def run(home: Path, *argv: str) -> int:
    return main(["--data-dir", str(home), *argv])


def dump(home: Path, tmp_path: Path, name: str, capsys) -> bytes:
    out = tmp_path / f"{name}.jsonl"
    assert run(home, "dump", "--canonical", "-o", str(out)) == 0
    capsys.readouterr()
    return out.read_bytes()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9 (POSIX)")
def test_an_import_killed_before_commit_changes_nothing_and_a_retry_works(tmp_path: Path, capsys) -> None:
    a, b = tmp_path / "dinas", tmp_path / "lks"
    assert run(a, "init", "--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan", "--kode-wilayah", "63.06",
               "--kode-kantor", "DINSOS", "--demo", "12", "--seed", "7") == 0
    assert run(b, "init", "--office", "LKS Harapan Bunda", "--kode-wilayah", "63.06", "--kode-kantor", "LKSHB") == 0
    prints = {}
    for key, home in (("a", a), ("b", b)):
        assert run(home, "office", "card", "-o", str(tmp_path / f"kartu-{key}.json")) == 0
        prints[key] = FP.search(capsys.readouterr().out).group(1)
    assert run(a, "office", "add-peer", str(tmp_path / "kartu-b.json"), "--fingerprint", prints["b"]) == 0
    assert run(b, "office", "add-peer", str(tmp_path / "kartu-a.json"), "--fingerprint", prints["a"]) == 0
    bundle = tmp_path / "a-ke-b.lkssync"
    assert run(a, "export", "--to", "LKSHB", "-o", str(bundle)) == 0
    sent = int(re.search(r": (\d+) perubahan", capsys.readouterr().out).group(1))
    assert sent > 100
    before = dump(b, tmp_path, "before", capsys)

    marker = tmp_path / "inside-transaction"
    env = {**os.environ, "ATENSI_TEST_PAUSE_IMPORT": str(marker), "ATENSI_TEST_PAUSE_SECONDS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "atensi_desktop", "--data-dir", str(b), "import", str(bundle)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the importer never reached its commit"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert dump(b, tmp_path, "after-kill", capsys) == before
    # nothing of the killed run was kept: not the versions, not the log (the retry is not "already imported")
    assert run(b, "import", str(bundle)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Impor selesai") and "sudah diimpor" not in out
    assert re.search(r"^Perubahan baru: (\d+)$", out, re.M).group(1) == str(sent)
    assert dump(b, tmp_path, "after-retry", capsys) != before
    assert set(dump(a, tmp_path, "a", capsys).splitlines()) <= set(dump(b, tmp_path, "b", capsys).splitlines())
