"""The Laporan screen: kinds grouped with explanations, the report dialog, building in the background with Batal,
the preview, saving (recorded, verifiable), printing at the report's paper size."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QPushButton

from ui.dialogs.report_dialog import ReportDialog, ReportRequest, month_range, previous_month, slug
from ui.views.laporan import (
    AVAILABLE_ROLE,
    EXPLANATION_ROLE,
    KIND_INFO,
    KIND_ROLE,
    LaporanView,
    default_file_name,
)

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
F4_POINTS = (609.45, 935.43)


@pytest.fixture
def case(ctx, office, add_clients):
    from atensi_desktop.services.cases import open_case

    client = add_clients("Siti Aminah", sex="P")[0]
    return open_case(ctx.db, client.id)


@pytest.fixture
def view(qtbot, ctx, office):
    from ui.change_bus import ChangeBus

    widget = LaporanView(ctx, ChangeBus())
    qtbot.addWidget(widget)
    widget.resize(1154, 720)
    widget.show()
    widget.activated()
    return widget


def kinds_shown(view: LaporanView) -> list[tuple[str | None, str, bool]]:
    items = [view.kind_list.item(row) for row in range(view.kind_list.count())]
    return [(item.data(KIND_ROLE), item.text(), bool(item.data(AVAILABLE_ROLE))) for item in items]


def request_for(case, **values) -> ReportRequest:
    defaults = {"kind": "kasus", "paper": "F4", "case_id": case.id, "client_id": case.client_id,
                "subject_label": case.display_id, "subject_slug": case.display_id}
    return ReportRequest(**{**defaults, **values})


def build_and_wait(qtbot, view: LaporanView, request: ReportRequest) -> None:
    view.build(request)
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)


def test_kinds_are_grouped_with_one_line_each_and_follow_the_engine(view):
    from atensi_desktop.reports.registry import load_all

    registered = load_all()
    shown = kinds_shown(view)
    assert [text for kind, text, _ in shown if kind is None] == ["Per kasus", "Rekap"]
    per_case = [kind for kind, _, _ in shown[1:7]]
    assert per_case == ["asesmen", "rencana", "perkembangan", "kasus", "rujukan", "terminasi"]
    assert [kind for kind, _, _ in shown[8:]] == ["spm", "bulanan", "penerima", "klien"]
    for kind, text, available in shown:
        if kind is None:
            continue
        assert available == (kind in registered), kind
        if available:
            assert text == registered[kind].label
    for row in range(view.kind_list.count()):
        item = view.kind_list.item(row)
        if item.data(KIND_ROLE) is not None:
            assert item.data(EXPLANATION_ROLE)
        else:
            assert not item.flags() & Qt.ItemFlag.ItemIsSelectable


def test_default_file_name_names_kind_subject_and_date():
    assert default_file_name("asesmen", "DSHSS-7K2M9Q", dt.date(2026, 12, 7)) == \
        "Laporan-Asesmen-DSHSS-7K2M9Q-2026-12-07.pdf"
    assert default_file_name("spm", "2026", dt.date(2027, 1, 5)) == "Rekap-SPM-2026-2027-01-05.pdf"
    assert slug("Bantuan sembako (Maret)") == "Bantuan-sembako-Maret"
    assert {info.kind for info in KIND_INFO} == {"asesmen", "rencana", "perkembangan", "kasus", "rujukan",
                                                  "terminasi", "spm", "bulanan", "penerima", "klien"}


def test_enter_on_a_kind_opens_its_dialog_and_the_dialog_finds_the_case(qtbot, view, case):
    view.select_kind("kasus")
    view.kind_list.setFocus()
    qtbot.keyClick(view.kind_list, Qt.Key.Key_Return)
    dialog = view.report_dialog
    assert isinstance(dialog, ReportDialog) and dialog.needs == "case"
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.text() == "Pilih klien dahulu."
    qtbot.keyClicks(dialog.search.search_edit, "Siti Ami")
    qtbot.waitUntil(lambda: dialog.search.results.count() == 1)
    assert dialog.case_combo.currentData() == case.id
    assert dialog.ok_button.isEnabled()
    dialog.paper_radios["F4"].setChecked(True)
    dialog.redaction_radios["mitra"].setChecked(True)
    dialog.sensitive_check.setChecked(True)
    request = dialog.build_request()
    assert request.context_values() == {"paper": "F4", "redaction": "mitra", "show_sensitive": True,
                                        "case_id": case.id, "client_id": case.client_id}
    assert request.subject_label == case.display_id
    dialog.redaction_radios["statistik"].setChecked(True)
    assert not dialog.sensitive_check.isEnabled() and not dialog.sensitive_check.isChecked()
    dialog.reject()
    qtbot.waitUntil(lambda: view.report_dialog is None)
    assert not view.busy  # cancelled: nothing is built


def test_building_shows_progress_then_the_preview_on_the_chosen_paper(qtbot, view, case):
    view.select_kind("kasus")
    view.build(request_for(case))
    assert view.busy and view.pages.currentIndex() == 1
    assert case.display_id in view.progress_label.text()
    assert not view.make_button.isEnabled()
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    assert view.pages.currentIndex() == 2
    assert view.preview.page_count == view.shown.rendered.pages >= 1
    size = view.preview.document.pagePointSize(0)
    assert abs(size.width() - F4_POINTS[0]) < 1 and abs(size.height() - F4_POINTS[1]) < 1
    assert view.preview.title_label.text() == view.shown.title
    facts = view.preview.facts_label.text()
    assert case.display_id in facts and "kertas F4" in facts and view.shown.rendered.code in facts
    assert view.make_button.isEnabled()
    assert not view.shown.recorded  # a preview is not yet an issued report


def test_batal_drops_the_report_being_built(qtbot, view, case):
    view.build(request_for(case))
    view.cancel_build()
    assert not view.busy and view.pages.currentIndex() == 0
    assert view.notice_label.text() == "Penyusunan laporan dibatalkan."
    from ui import tasks

    tasks.wait_for_all()
    qtbot.wait(50)  # the dropped result arrives and is ignored
    assert view.shown is None and view.pages.currentIndex() == 0


def test_a_report_the_engine_refuses_is_explained_on_the_screen(qtbot, view, case):
    build_and_wait(qtbot, view, request_for(case, kind="terminasi"))  # the case is still open
    assert view.pages.currentIndex() == 0
    assert view.error_card.isVisible()
    assert view.error_card.title_label.text()  # the engine's message, in words
    assert view.shown is None


def test_saving_writes_the_previewed_bytes_and_records_the_report(qtbot, ctx, view, case, tmp_path,
                                                                   monkeypatch):
    from atensi_desktop.reports.verification import verify_file

    build_and_wait(qtbot, view, request_for(case))
    asked = {}

    def fake_save(parent, caption, default, filters):
        asked["default"] = default
        return str(tmp_path / "laporan"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    qtbot.keyClick(view.preview.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = tmp_path / "laporan.pdf"  # ".pdf" added
    assert saved.read_bytes() == view.shown.pdf
    assert asked["default"].endswith(f"Laporan-Kasus-{case.display_id}-{dt.date.today().isoformat()}.pdf")
    assert view.shown.recorded
    assert verify_file(ctx.db, saved).status == "cocok"
    assert str(saved) in view.notice_label.text()
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_cancelling_the_save_dialog_writes_and_records_nothing(qtbot, ctx, view, case, monkeypatch):
    from atensi_desktop.reports.verification import verify_code

    build_and_wait(qtbot, view, request_for(case))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    view.save_report()
    assert not view.shown.recorded
    assert verify_code(ctx.db, view.shown.rendered.code).status == "tidak_dikenal"


def test_printing_goes_out_on_the_reports_paper_and_records_it(qtbot, ctx, view, case, tmp_path):
    from pypdf import PdfReader

    from atensi_desktop.reports.verification import verify_code

    build_and_wait(qtbot, view, request_for(case))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(150)
    out = tmp_path / "cetak.pdf"
    printer.setOutputFileName(str(out))
    view.print_to(printer)
    assert view.printing
    qtbot.waitUntil(lambda: not view.printing, timeout=60_000)
    pages = PdfReader(str(out)).pages
    assert len(pages) == view.shown.rendered.pages
    for page in pages:
        assert abs(float(page.mediabox.width) - 609) <= 1 and abs(float(page.mediabox.height) - 935) <= 1
    assert "kertas F4" in view.notice_label.text()
    assert verify_code(ctx.db, view.shown.rendered.code).status == "cocok"


def test_the_print_dialog_opens_on_the_reports_paper(qtbot, view, case):
    build_and_wait(qtbot, view, request_for(case, paper="A4"))
    dialog = view.print_report()
    assert dialog is not None and dialog.isVisible()
    assert "A4" in dialog.windowTitle()
    assert view.printer.pageLayout().pageSize().name() == "A4"
    dialog.reject()
    assert not view.printing


def test_accepting_the_print_dialog_starts_printing_with_its_printer(qtbot, view, case, monkeypatch):
    from PySide6.QtWidgets import QDialog

    build_and_wait(qtbot, view, request_for(case))
    started = []
    monkeypatch.setattr(view, "print_to", started.append)
    dialog = view.print_report()
    QDialog.done(dialog, QDialog.DialogCode.Accepted)
    assert started == [view.printer]
    assert view.print_dialog is None


def test_the_main_window_has_the_laporan_screen(qtbot, ctx):
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert isinstance(window.show_view("laporan"), LaporanView)


def test_period_choices_give_a_year_a_month_or_a_range(qtbot, ctx, office):
    today = dt.date(2026, 3, 5)
    dialog = ReportDialog(ctx, kind="bulanan", title="Laporan Bulanan", needs="period", today=today)
    qtbot.addWidget(dialog)
    assert dialog.month_radio.isChecked()  # a monthly report asks for last month
    request = dialog.build_request()
    assert request.period == (dt.date(2026, 2, 1), dt.date(2026, 2, 28)) and request.subject_label == "Februari 2026"
    dialog.year_radio.setChecked(True)
    assert dialog.build_request().year == 2026 and dialog.build_request().period is None
    dialog.range_radio.setChecked(True)
    dialog.from_edit.setDate(dt.date(2026, 3, 1))
    dialog.until_edit.setDate(dt.date(2026, 1, 1))
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.text() == "Tanggal awal sesudah tanggal akhir."
    dialog.until_edit.setDate(dt.date(2026, 3, 5))
    assert dialog.ok_button.isEnabled()
    assert dialog.build_request().period == (dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    assert previous_month(dt.date(2026, 1, 15)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert month_range(2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_a_referral_letter_lists_only_outgoing_referrals(qtbot, ctx, case):
    from atensi_desktop.services.referrals import create_referral

    today = dt.date.today()
    base = {"counterpart_kind": "rumah_sakit", "reason": "Pemeriksaan kesehatan lanjutan", "sent_on": today,
            "case_id": case.id}
    out = create_referral(ctx.db, case.client_id, {**base, "direction": "keluar", "counterpart_name": "RSUD Brig"})
    create_referral(ctx.db, case.client_id, {**base, "direction": "masuk", "counterpart_name": "Puskesmas"})
    dialog = ReportDialog(ctx, kind="rujukan", title="Surat Rujukan", needs="referral", client_id=case.client_id)
    qtbot.addWidget(dialog)
    assert dialog.client is not None and dialog.client.id == case.client_id
    assert dialog.redaction == "mitra"  # a letter for a partner starts redacted
    assert [dialog.referral_combo.itemData(i) for i in range(dialog.referral_combo.count())] == [out.id]
    request = dialog.build_request()
    assert request.referral_id == out.id and "RSUD Brig" in request.subject_label


def test_a_letter_gets_its_number_on_record_when_saved_not_when_previewed(qtbot, ctx, view, case, tmp_path):
    from atensi_desktop.services.referrals import create_referral, get_referral

    referral = create_referral(ctx.db, case.client_id, {
        "direction": "keluar", "counterpart_kind": "rumah_sakit", "counterpart_name": "RSUD Brig",
        "reason": "Pemeriksaan kesehatan lanjutan", "sent_on": dt.date.today(), "case_id": case.id})
    build_and_wait(qtbot, view, request_for(case, kind="rujukan", referral_id=referral.id, redaction="mitra"))
    assert view.shown is not None, view.error_card.title_label.text()
    number = view.shown.rendered.meta["letter"]["number"]
    assert get_referral(ctx.db, referral.id).letter_number is None  # a preview issues nothing
    with qtbot.waitSignal(view.bus.cases_changed, timeout=1000):
        assert view.save_to(tmp_path / "surat.pdf")
    assert get_referral(ctx.db, referral.id).letter_number == number


def test_batal_while_printing_stops_before_the_next_page(qtbot, view, case, tmp_path, monkeypatch):
    import threading

    import ui.printing as printing

    build_and_wait(qtbot, view, request_for(case))
    gate = threading.Event()
    real = printing.print_pdf

    def gated(data, printer, *, pages, progress):
        gate.wait(10)  # the user presses Batal before the first page goes out
        return real(data, printer, pages=pages, progress=progress)

    monkeypatch.setattr(printing, "print_pdf", gated)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "batal.pdf"))
    view.print_to(printer)
    view.progress_dialog.findChild(QPushButton).click()  # Batal
    gate.set()
    qtbot.waitUntil(lambda: not view.printing, timeout=30_000)
    assert view.notice_label.text().startswith("Pencetakan dibatalkan.")
    assert view.progress_dialog is None and view.preview.print_button.isEnabled()


def test_a_period_report_is_built_for_the_period_chosen_in_the_dialog(qtbot, ctx, view, monkeypatch):
    """The dialog's month becomes ReportContext.period (a stand-in builder for a recap kind)."""
    from atensi_desktop.reports import registry
    from atensi_desktop.reports.document import kop, para, title_block

    seen = []

    def build(db, context):
        seen.append((context.period, context.year, context.paper, context.redaction))
        return [*kop(context), *title_block("Rekap Uji"), para("Isi rekap")], "Rekap Uji", {}

    monkeypatch.setitem(registry.KINDS, "spm", registry.ReportKind("spm", "Rekap Uji", "period", build))
    view.load_kinds()
    view.select_kind("spm")
    assert view.make_button.isEnabled()
    dialog = view.ask_for_report()
    dialog.month_radio.setChecked(True)
    dialog.month_combo.setCurrentIndex(2)  # Maret
    dialog.month_year_spin.setValue(2026)
    dialog.redaction_radios["statistik"].setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: view.shown is not None, timeout=30_000)
    assert seen == [((dt.date(2026, 3, 1), dt.date(2026, 3, 31)), None, "A4", "statistik")]
    assert view.shown.request.subject_label == "Maret 2026"
    assert view.default_file_name() == f"Rekap-SPM-2026-03-{dt.date.today().isoformat()}.pdf"


def test_without_distributions_the_recipient_list_says_so(qtbot, ctx, office):
    dialog = ReportDialog(ctx, kind="penerima", title="Daftar Penerima Bantuan", needs="distribution")
    qtbot.addWidget(dialog)
    assert not dialog.distribution_combo.isEnabled() and not dialog.ok_button.isEnabled()
    assert dialog.error_label.text() == "Belum ada penyaluran bantuan yang dicatat."
    dialog.accept()  # refused: stays open, nothing asked
    assert dialog.request is None
