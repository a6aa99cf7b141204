"""The wheel holds the engine, the UI, the migrations and every resource file, and declares the command."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_contains_engine_ui_and_resources(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("atensi_desktop-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "resources").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped and shipped <= names, sorted(shipped - names)
    for required in ("atensi_desktop/cli.py", "ui/app.py", "ui/main_window.py",
                     "atensi_desktop/db/migrations/env.py", "atensi_desktop/db/migrations/script.py.mako"):
        assert required in names
    assert any(n.startswith("atensi_desktop/db/migrations/versions/0001") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "atensi-desktop = atensi_desktop.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
