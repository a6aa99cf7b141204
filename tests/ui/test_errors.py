"""The bug reporter logs uncaught exceptions and shows the bug dialog instead of crashing silently."""

from __future__ import annotations

import logging
import sys

from ui.errors import BugReporter


def test_uncaught_exception_is_logged_and_shown(qapp, caplog, tmp_path):
    shown = []
    reporter = BugReporter(log_file=tmp_path / "atensi.log",
                           show=lambda parent, exc, **kw: shown.append((exc, kw)))
    previous = sys.excepthook
    reporter.install()
    try:
        assert sys.excepthook is reporter
        try:
            raise RuntimeError("contoh")
        except RuntimeError as exc:
            with caplog.at_level(logging.ERROR, logger="ui.bug"):
                sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        reporter.uninstall()
    assert sys.excepthook is previous
    assert "RuntimeError" in caplog.text
    (exc, kw), = shown
    assert isinstance(exc, RuntimeError)
    assert "RuntimeError" in kw["details"] and 'raise RuntimeError("contoh")' in kw["details"]
    assert "RuntimeError: contoh" not in kw["details"]  # the message may hold personal data: hidden (issue 8)
    assert kw["log_file"] == tmp_path / "atensi.log"


def test_a_failing_dialog_still_reaches_stderr(qapp, capsys):
    def broken(*_a, **_kw):
        raise OSError("no display")

    reporter = BugReporter(show=broken)
    try:
        raise ValueError("asli")
    except ValueError as exc:
        reporter(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert "ValueError" in err and "ValueError: asli" not in err  # message hidden (issue 8)
