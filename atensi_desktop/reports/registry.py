"""Report kinds and the one way to make a report: build (builder module) → render → record → save.

Builder modules register their kinds at import with `register(ReportKind(...))`; `load_all()` imports the
builder modules that exist. `make_report` records every report it produces in the synced table
`report_issued` so that `verification.verify_file` can later say whether a file or a printout is genuine.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.reports.document import PAPERS, RenderedReport, ReportContext, check_orientation, render
from atensi_desktop.reports.redaction import check_level

if TYPE_CHECKING:
    from atensi_desktop.db.engine import Database

log = logging.getLogger(__name__)
# "list": the client list, for the Klien screen's filters (ctx.filters) and/or a period, both optional
NEEDS = ("case", "client", "period", "distribution", "referral", "list")
BUILDER_MODULES = ("atensi_desktop.reports.case_reports", "atensi_desktop.reports.letters",
                   "atensi_desktop.reports.aggregates")


@dataclass(frozen=True)
class ReportKind:
    """A report the user can ask for. `build(db, ctx)` returns (story, title, meta); `meta` is JSON-able data
    that identifies the content (it goes into the content hash) and may name the records the report is about
    under "subject_ids" (a list of UUIDs or strings) and a letter's number under "letter"
    ({"number": str, "year": int, "seq": int})."""

    kind: str
    title: str
    needs: str  # "case" | "client" | "period" | "distribution" | "referral" | "list"
    build: Callable[[Database, ReportContext], tuple[list, str, dict]]
    description: str = ""
    orientation: str = "portrait"  # the page's way round when the user does not choose (make_context)
    # Called after the report is recorded (e.g. a letter writes its number back to the referral).
    on_issued: Callable[[Database, ReportContext, RenderedReport], None] | None = None

    @property
    def label(self) -> str:
        """The title in the current language (register titles with N_, they are translated here)."""
        return _(self.title)


KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    if kind.needs not in NEEDS:
        raise ValueError(f"unknown subject type {kind.needs!r} for report kind {kind.kind!r}")
    if kind.orientation not in ("portrait", "landscape"):
        raise ValueError(f"unknown orientation {kind.orientation!r} for report kind {kind.kind!r}")
    KINDS[kind.kind] = kind
    return kind


_loaded = False


def load_all() -> dict[str, ReportKind]:
    """Import every builder module that exists (each registers its kinds); returns KINDS."""
    global _loaded
    if not _loaded:
        for name in BUILDER_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:
                    raise
                log.debug("report module %s not present", name)
        _loaded = True
    return KINDS


def get_kind(kind: str) -> ReportKind:
    kinds = load_all()
    if kind not in kinds:
        raise UserError(_("Jenis laporan {kind} tidak dikenal.").format(kind=repr(kind)),
                        hint=_("Jenis yang ada: {kinds}.").format(kinds=", ".join(sorted(kinds))))
    return kinds[kind]


_SUBJECT_FIELD = {"case": "case_id", "client": "client_id", "distribution": "distribution_id",
                  "referral": "referral_id"}


def check_context(ctx: ReportContext, kind: ReportKind) -> None:
    """Refuse a context that lacks what the kind needs, with a message that says which."""
    if ctx.paper not in PAPERS:
        raise UserError(_("Ukuran kertas {paper} tidak dikenal.").format(paper=repr(ctx.paper)),
                        hint=_("Pilih A4 atau F4."))
    check_level(ctx.redaction)
    check_orientation(ctx.orientation)
    if kind.needs == "list":  # filters and period both optional; a period must run forwards
        if ctx.period is not None and ctx.period[0] > ctx.period[1]:
            raise UserError(_("Awal periode sesudah akhirnya."), hint=_("Tulis periode dari tanggal awal ke akhir."))
        return
    if kind.needs == "period":
        if ctx.period is None and ctx.year is None:
            raise UserError(_("Laporan {kind} memerlukan tahun atau periode.").format(kind=kind.kind),
                            hint=_("Contoh: --year 2026 atau --period 2026-01-01..2026-06-30."))
        if ctx.period is not None and ctx.period[0] > ctx.period[1]:
            raise UserError(_("Awal periode sesudah akhirnya."), hint=_("Tulis periode dari tanggal awal ke akhir."))
        return
    if kind.needs == "referral" and (ctx.referral_id is not None or ctx.case_id is not None):
        return
    if getattr(ctx, _SUBJECT_FIELD[kind.needs]) is None:
        what = {"case": _("kasus"), "client": _("klien"), "distribution": _("penyaluran bantuan"),
                "referral": _("rujukan")}[kind.needs]
        raise UserError(_("Laporan {kind} memerlukan {what}.").format(kind=kind.kind, what=what),
                        hint=_("Sebutkan id atau nomor {what}.").format(what=what))


def build_report(db: Database, ctx: ReportContext) -> RenderedReport:
    """Build and render without recording (previews that are not issued; tests)."""
    kind = get_kind(ctx.kind)
    check_context(ctx, kind)
    from atensi_desktop.security.guard import check_report

    check_report(db, ctx, kind.needs)  # the signed-in user's permission, client reach, sensitive details
    story, title, meta = kind.build(db, ctx)
    return render(ctx, story, title=title, meta=meta)


def _issue(db: Database, ctx: ReportContext, kind: ReportKind, rendered: RenderedReport) -> None:
    from atensi_desktop.reports.verification import record_issued

    record_issued(db, ctx, rendered)
    from atensi_desktop.services.audit import record_report

    record_report(db, ctx, rendered)
    if kind.on_issued is not None:
        kind.on_issued(db, ctx, rendered)


def issue_report(db: Database, ctx: ReportContext, rendered: RenderedReport) -> bool:
    """Issue a report rendered earlier by `build_report` (a preview that is now printed or saved): record it
    for verification and run its kind's own step (a letter writes its number back). What `make_report` does
    after rendering. True when the kind has such a step (records shown elsewhere may have changed)."""
    kind = get_kind(ctx.kind)
    _issue(db, ctx, kind, rendered)
    return kind.on_issued is not None


def make_report(db: Database, ctx: ReportContext) -> RenderedReport:
    """Build, render and record the report (report_issued) so that it can be verified later."""
    kind = get_kind(ctx.kind)
    rendered = build_report(db, ctx)
    _issue(db, ctx, kind, rendered)
    return rendered


def save_report(db: Database, ctx: ReportContext, path: str | Path) -> RenderedReport:
    """Build and render the report, write it to a temporary file in the target folder, record it, then
    rename the file into place: a refused report or a failed write leaves neither a file nor a record."""
    import os
    import tempfile

    target = Path(path)
    if target.is_dir():
        raise UserError(_("{path} adalah folder.").format(path=target), hint=_("Tulis nama file PDF."))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(_("Folder {folder} tidak ada.").format(folder=folder),
                        hint=_("Buat foldernya dulu atau pilih folder lain."))
    kind = get_kind(ctx.kind)
    rendered = build_report(db, ctx)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(rendered.pdf)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise UserError(_("File {path} tidak bisa ditulis: {reason}.").format(path=target, reason=err.strerror),
                        hint=_("Periksa folder dan izin tulisnya, lalu coba lagi.")) from err
    try:
        _issue(db, ctx, kind, rendered)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(_("File {path} tidak bisa ditulis: {reason}.").format(path=target, reason=err.strerror),
                        hint=_("Periksa folder dan izin tulisnya, lalu coba lagi.")) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rendered


def subject_ids(ctx: ReportContext, meta: dict) -> list[str]:
    """The records a report is about: meta["subject_ids"] if given, else the ids in the context."""
    given = meta.get("subject_ids")
    if given:
        return [str(x) for x in given]
    ids: list[uuid.UUID | None] = [ctx.referral_id, ctx.case_id, ctx.client_id, ctx.distribution_id]
    return [str(x) for x in ids if x is not None]
