"""Suite-wide set-up: a private data folder, and (ATENSI_BLOCK_QT=1) an interpreter where Qt is absent."""

from __future__ import annotations

import importlib.abc
import os
import sys

import pytest

BLOCKED = ("PySide6", "shiboken6")


class _BlockQt(importlib.abc.MetaPathFinder):
    """Makes `import PySide6` fail as if the package were not installed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked by ATENSI_BLOCK_QT)")
        return None


if os.environ.get("ATENSI_BLOCK_QT") == "1":
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            raise RuntimeError("Qt was imported before the block could be installed")
    sys.meta_path.insert(0, _BlockQt())


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory, monkeypatch):
    """No test ever reads or writes the developer's own data folder or database."""
    monkeypatch.setenv("ATENSI_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("ATENSI_DB", raising=False)
