"""The Klien screen's filters: each one narrows the list in SQL, the count says how many match, one reset."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services.clients import ClientQuery, archive_client, count_clients, update_client
from atensi_desktop.services.demo import generate_demo
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.wilayah import load_demo_region
from ui.change_bus import ChangeBus
from ui.views.klien import KlienView
from ui.widgets.client_filters import ClientFilters, _kabupaten_of


def _names(model) -> list[str]:
    return [model.index(row, 1).data() for row in range(model.rowCount())]


def _view(qtbot, ctx) -> KlienView:
    klien = KlienView(ctx, ChangeBus())
    qtbot.addWidget(klien)
    klien.setMinimumSize(800, 500)
    klien.resize(1100, 650)
    klien.show()
    qtbot.waitUntil(lambda: not klien.busy)
    return klien


def _settle(qtbot, view) -> None:
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)


@pytest.fixture
def demo(ctx):
    """A Dinas Sosial of Hulu Sungai Selatan (63.06) with its region list and 300 demo clients."""
    setup_installation(ctx.db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                           office_type="dinas_sosial", code="DSHSS", wilayah_code="63.06"),
                       WorkerInput(name="Siti Rahmah"))
    load_demo_region(ctx.db)
    generate_demo(ctx.db, 300, seed=7)
    return ctx


@pytest.fixture
def view(qtbot, demo):
    return _view(qtbot, demo)


def test_the_panel_offers_the_reference_lists_and_the_office_regions(view, demo):
    filters = view.filters
    assert not filters.panel.isVisible()
    filters.toggle_button.click()
    assert filters.toggle_button.isChecked()
    assert filters.panel.isVisible()
    combos = filters.combos
    assert combos["ppks_category"].itemText(0) == "Semua"
    assert combos["ppks_category"].count() == 27  # "Semua" and the 26 PPKS categories
    assert combos["cluster"].findData("lanjut_usia") > 0
    assert combos["stage"].findData("asesmen") > 0
    assert [combos["age_group"].itemText(i) for i in range(4)] == [
        "Semua", "Anak (di bawah 18)", "Dewasa (18–59)", "Lanjut usia (60+)"]
    assert [combos["sex"].itemData(i) for i in range(3)] == [None, "L", "P"]
    kecamatan = [combos["kecamatan"].itemData(i) for i in range(1, combos["kecamatan"].count())]
    assert kecamatan and all(code.startswith("63.06.") and code.count(".") == 2 for code in kecamatan)
    assert not combos["desa"].isEnabled()  # until a kecamatan is chosen
    assert combos["worker_id"].count() > 2
    labels = {key: label.text() for key, label in filters.labels.items()}
    assert labels["ppks_category"] == "&Kategori PPKS" and filters.labels["cluster"].buddy() is combos["cluster"]


def test_each_filter_narrows_the_list_and_the_count_says_how_many(view, qtbot, demo):
    total = count_clients(demo.db)
    assert view.count_label.text() == f"{total} klien"
    filters = view.filters
    filters.set_value("cluster", "lanjut_usia")
    _settle(qtbot, view)
    expected = count_clients(demo.db, ClientQuery(cluster="lanjut_usia"))
    assert 0 < expected < total
    assert view.model.rowCount() == expected
    assert view.count_label.text() == f"{expected} klien cocok"
    assert set(view.model.index(r, 7).data() for r in range(expected)) == {"Lanjut Usia"}
    assert filters.toggle_button.text() == "&Saring (1)"
    assert filters.clear_button.isEnabled()

    filters.set_value("sex", "P")
    _settle(qtbot, view)
    both = count_clients(demo.db, ClientQuery(cluster="lanjut_usia", sex="P"))
    assert view.model.rowCount() == both < expected
    assert {view.model.index(r, 3).data() for r in range(both)} == {"P"}
    assert filters.toggle_button.text() == "&Saring (2)"


def test_kecamatan_then_desa(view, qtbot, demo):
    filters = view.filters
    filters.toggle_button.click()
    kecamatan = filters.combos["kecamatan"]
    kecamatan.setCurrentIndex(1)
    code = kecamatan.currentData()
    _settle(qtbot, view)
    assert view.model.query.wilayah == code
    assert view.model.rowCount() == count_clients(demo.db, ClientQuery(wilayah=code))
    desa = filters.combos["desa"]
    assert desa.isEnabled() and desa.count() > 1
    assert all(desa.itemData(i).startswith(code + ".") for i in range(1, desa.count()))
    desa.setCurrentIndex(1)
    _settle(qtbot, view)
    assert view.model.query.wilayah == desa.currentData()
    assert filters.active_count() == 1  # one wilayah filter
    kecamatan.setCurrentIndex(0)  # the desa goes with its kecamatan
    _settle(qtbot, view)
    assert view.model.query.wilayah is None and desa.currentIndex() == 0 and not desa.isEnabled()


def test_stage_worker_ppks_and_age_filters_match_the_engine(view, qtbot, demo):
    filters = view.filters
    worker = filters.combos["worker_id"].itemData(1)
    cases = [("stage", "asesmen"), ("worker_id", worker), ("ppks_category", "fakir_miskin"),
             ("age_group", "lansia")]
    for key, value in cases:
        assert filters.set_value(key, value)
        _settle(qtbot, view)
        query = ClientQuery(**{key: value})
        assert view.model.rowCount() == count_clients(demo.db, query), key
        assert getattr(view.model.query, key) == value
        assert filters.set_value(key, None)
        _settle(qtbot, view)
    assert not filters.set_value("cluster", "astronot")


def test_clear_resets_every_filter_with_one_query(view, qtbot, demo):
    filters = view.filters
    filters.set_value("cluster", "anak")
    filters.set_value("sex", "L")
    filters.archived_check.setChecked(True)
    _settle(qtbot, view)
    queries: list[ClientQuery] = []
    view.model.load_started.connect(lambda: queries.append(view.model.query))
    qtbot.mouseClick(filters.clear_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, view)
    assert len(queries) == 1
    assert queries[0] == ClientQuery()
    assert filters.active_count() == 0 and not filters.show_archived
    assert not filters.clear_button.isEnabled()
    assert filters.toggle_button.text() == "&Saring"
    assert view.count_label.text() == f"{count_clients(demo.db)} klien"


def test_no_match_with_filters_says_how_to_reset(view, qtbot, demo):
    view.filters.set_value("age_group", "anak")
    view.filters.set_value("cluster", "lanjut_usia")
    _settle(qtbot, view)
    assert view.pages.currentWidget() is view.empty_label
    assert "saringan ini" in view.empty_label.text() and "Hapus saringan" in view.empty_label.text()
    assert view.count_label.text() == "0 klien cocok"


def test_filters_and_search_combine(view, qtbot, demo):
    view.filters.set_value("sex", "P")
    qtbot.keyClicks(view.search_edit, "siti")
    qtbot.waitUntil(lambda: view.model.query.text == "siti", timeout=3000)
    _settle(qtbot, view)
    expected = count_clients(demo.db, ClientQuery(text="siti", sex="P"))
    assert view.model.rowCount() == expected and view.model.query.sex == "P"


def test_archive_toggle_shows_archived_clients_greyed(qtbot, ctx, add_clients):
    budi, _siti = add_clients("Budi Santoso", "Siti Aminah")
    archive_client(ctx.db, budi.id)
    view = _view(qtbot, ctx)
    assert _names(view.model) == ["Siti Aminah"]
    view.filters.archived_check.setChecked(True)
    _settle(qtbot, view)
    assert _names(view.model) == ["Budi Santoso (diarsipkan)", "Siti Aminah"]
    assert view.count_label.text() == "2 klien (termasuk yang diarsipkan)"
    assert view.filters.active_count() == 0 and view.filters.clear_button.isEnabled()


def test_without_office_region_the_wilayah_filter_explains_itself(qtbot, ctx):
    filters = ClientFilters(ctx)
    qtbot.addWidget(filters)
    assert not filters._choices_loaded  # nothing read from the database until the panel opens
    filters.toggle_button.click()
    assert not filters.combos["kecamatan"].isEnabled()
    assert "Pengaturan" in filters.combos["kecamatan"].toolTip()
    assert filters.apply(ClientQuery(text="x")) == ClientQuery(text="x")


def test_kabupaten_of_office_codes():
    assert _kabupaten_of("63.06") == "63.06"
    assert _kabupaten_of("6306012001") == "63.06"
    assert _kabupaten_of("63") is None
    assert _kabupaten_of("bukan kode") is None
    assert _kabupaten_of(None) is None


def test_age_group_counts_today(view, qtbot, demo):
    """The age filter is worked out on today's date by the engine (birth date, not a stored age)."""
    from atensi_desktop.services.clients import create_client

    young = create_client(demo.db, {"name": "Zaki Anak Baru", "sex": "L"})
    update_client(demo.db, young.id, {"birth_date": dt.date.today().replace(year=dt.date.today().year - 3)})
    view.filters.set_value("age_group", "anak")
    qtbot.keyClicks(view.search_edit, "zaki anak baru")
    qtbot.waitUntil(lambda: view.model.query.text == "zaki anak baru", timeout=3000)
    _settle(qtbot, view)
    assert _names(view.model) == ["Zaki Anak Baru"]
