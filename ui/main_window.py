"""The main window: navigation on the left, one screen at a time, and a status bar naming the data in use."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.i18n import N_
from atensi_desktop.security.roles import (
    REPORT_AGGREGATE,
    REPORT_PRINT,
    SYNC_EXPORT,
    SYNC_IMPORT,
    SYNC_PEERS,
    USER_MANAGE,
    can,
    current_actor,
    require,
)
from atensi_desktop.services.office import installation_office
from atensi_desktop.settings import save_settings
from ui.change_bus import ChangeBus
from ui.dialogs.setup import open_office_dialog
from ui.errors import show_error
from ui.i18n import tr
from ui.icons import icon
from ui.idle_lock import IdleLock, SessionBar
from ui.tasks import Task, wait_for_all
from ui.views.base import View
from ui.views.beranda import BerandaView
from ui.views.kasus import KasusView
from ui.views.klien import KlienView
from ui.views.laporan import LaporanView
from ui.views.layanan import LayananView
from ui.views.pengaturan import PengaturanView
from ui.views.pengguna import PenggunaView
from ui.views.petugas import PetugasView
from ui.views.sinkronisasi import SinkronisasiView
from ui.widgets.common import make_label
from ui.widgets.elided_label import ElidedLabel

MINIMUM_SIZE = QSize(960, 600)  # smaller than a 1366×768 laptop screen minus task bar and title bar
NAV_WIDTH = 212


def load_forms() -> object:
    """Every shipped asesmen form (imported here, in the background task: PyYAML stays out of start-up)."""
    from atensi_desktop.forms import check_all_forms

    return check_all_forms()


@dataclass(frozen=True)
class Screen:
    name: str  # also the --view name and the settings' last_view
    title: str
    build: Callable[[AppContext, ChangeBus], View]
    needs: tuple[str, ...] = ()  # shown only to a signed-in user with one of these permissions; () everyone


SCREENS: tuple[Screen, ...] = (
    Screen("beranda", N_("Beranda"), BerandaView),
    Screen("klien", N_("Klien"), KlienView),
    Screen("petugas", N_("Petugas & Kantor"), PetugasView),
    Screen("kasus", N_("Kasus"), KasusView),
    Screen("layanan", N_("Layanan"), LayananView),
    Screen("laporan", N_("Laporan"), LaporanView, (REPORT_PRINT, REPORT_AGGREGATE)),
    Screen("sinkronisasi", N_("Sinkronisasi"), SinkronisasiView, (SYNC_EXPORT, SYNC_IMPORT, SYNC_PEERS)),
    Screen("pengaturan", N_("Pengaturan"), PengaturanView),
)
VIEW_NAMES: tuple[str, ...] = tuple(screen.name for screen in SCREENS)
# Screens that exist only while someone is signed in (login on) with the permission; listed after SCREENS.
SIGNED_IN_SCREENS: tuple[Screen, ...] = (
    Screen("pengguna", N_("Pengguna"), PenggunaView, (USER_MANAGE,)),
)
ALL_SCREENS: tuple[Screen, ...] = SCREENS + SIGNED_IN_SCREENS


class MainWindow(QMainWindow):
    """'ATENSI Desktop — <office>'; Ctrl+1…Ctrl+8 or the arrow keys in the list switch screens."""

    view_changed = Signal(str)
    actor_changed = Signal()  # someone else signed in (or out): screens and actions were re-checked
    forms_error: BaseException | None = None  # set when a shipped form file is broken (check_forms)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = ChangeBus(self)
        self.setWindowIcon(icon("atensi"))
        self.views: dict[str, View] = {}
        self._shown_for = None  # the user whose data the screens were loaded for (None: login off)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addLayout(self._navigation_column())
        self.stack = QStackedWidget()
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        for screen in SCREENS:
            self._add_item(screen)
        for number, screen in enumerate(ALL_SCREENS[:9], start=1):
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, lambda name=screen.name: self._shortcut(name))
        self.navigation.currentRowChanged.connect(self._row_changed)
        self._build_status_bar()
        self.idle_lock = IdleLock(self, ctx)
        self.apply_actor()
        self.bus.office_changed.connect(self.show_office)
        self.show_office()
        self.setMinimumSize(MINIMUM_SIZE)
        self.resize(1280, 720)
        self.navigation.setCurrentRow(0)

    def _navigation_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(0)
        brand = QFrame()
        brand.setObjectName("brand")
        brand.setFixedWidth(NAV_WIDTH)
        brand_row = QHBoxLayout(brand)
        brand_row.setContentsMargins(18, 16, 12, 12)
        brand_row.setSpacing(10)
        logo = QLabel()
        logo.setPixmap(icon("atensi").pixmap(QSize(28, 28)))
        brand_row.addWidget(logo)
        name = make_label("ATENSI Desktop")
        name.setObjectName("brandName")
        brand_row.addWidget(name, 1)
        column.addWidget(brand)
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(NAV_WIDTH)
        self.navigation.setIconSize(QSize(20, 20))
        self.navigation.setAccessibleName(tr("Navigasi"))
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.navigation, 1)
        return column

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.office_status = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.office_status.setObjectName("officeStatus")
        self.database_status = ElidedLabel(tr("Database: {label}").format(label=self.ctx.db_label))
        self.database_status.setObjectName("databaseStatus")
        self.database_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.office_status, 2)
        bar.addPermanentWidget(self.database_status, 3)
        self.session_bar = SessionBar(self)
        bar.addPermanentWidget(self.session_bar)

    # --- navigation --------------------------------------------------------------------------------------

    def show_view(self, name: str) -> View:
        """Bring the screen `name` (beranda, klien, …) to the front; KeyError for an unknown name, PermissionDenied
        (a UserError naming who may) for one the signed-in user may not open (see `may_open`)."""
        screen = next((s for s in ALL_SCREENS if s.name == name), None)
        if screen is None:
            raise KeyError(f"unknown view {name!r}; known views: {', '.join(VIEW_NAMES)}")
        if not self.may_open(name):
            require(self.ctx.db, screen.needs[0] if screen.needs else USER_MANAGE)
            raise KeyError(f"view {name!r} needs a signed-in user")
        self.navigation.setCurrentRow(self._row_of(name))
        return self.views[name]

    def _add_item(self, screen: Screen) -> None:
        item = QListWidgetItem(icon(screen.name), tr(screen.title))
        item.setData(Qt.ItemDataRole.UserRole, screen.name)
        self.navigation.addItem(item)

    def _row_of(self, name: str) -> int:
        rows = (self.navigation.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.navigation.count()))
        return next((row for row, item_name in enumerate(rows) if item_name == name), -1)

    def current_view(self) -> View:
        return self.stack.currentWidget()

    def may_open(self, name: str) -> bool:
        """Is screen `name` shown to the signed-in user? (With login off: the eight SCREENS.)"""
        screen = next((s for s in ALL_SCREENS if s.name == name), None)
        if screen is None or (screen in SIGNED_IN_SCREENS and current_actor(self.ctx.db) is None):
            return False
        return not screen.needs or any(can(self.ctx.db, perm) for perm in screen.needs)

    def _shortcut(self, name: str) -> None:
        if self.may_open(name):
            self.show_view(name)

    @Slot()
    def apply_actor(self) -> None:
        """After a sign-in: show only the screens this user may open (built when first allowed), name the user
        in the status bar, and start the idle lock (off while nobody is signed in). When another person signs
        in, every screen is built again for them: nothing loaded, typed or chosen for the previous user stays."""
        actor = current_actor(self.ctx.db)
        renew = actor is not None and self._shown_for not in (None, actor.user_id)
        if renew:
            self._drop_views()
        for screen in ALL_SCREENS:
            allowed = self.may_open(screen.name)
            if allowed and self._row_of(screen.name) < 0:
                self._add_item(screen)  # a signed-in screen: listed from the first time it is allowed
            if self._row_of(screen.name) >= 0:
                self.navigation.item(self._row_of(screen.name)).setHidden(not allowed)
            if allowed and screen.name not in self.views:
                view = screen.build(self.ctx, self.bus)
                self.views[screen.name] = view
                self.stack.addWidget(view)
        current = self.navigation.currentItem()
        if renew or (current is not None and current.isHidden()):
            self.navigation.setCurrentRow(-1)
            self.navigation.setCurrentRow(0)
        if actor is not None:
            self._shown_for = actor.user_id
        self.session_bar.refresh()
        self.idle_lock.set_active(current_actor(self.ctx.db) is not None)
        self.actor_changed.emit()

    def _drop_views(self) -> None:
        wait_for_all()  # no background task may report to a screen being dropped
        for view in self.views.values():
            self.stack.removeWidget(view)
            view.deleteLater()
        self.views.clear()

    @Slot(int)
    def _row_changed(self, row: int) -> None:
        item = self.navigation.item(row)
        if item is None or item.data(Qt.ItemDataRole.UserRole) not in self.views:
            return
        view = self.views[item.data(Qt.ItemDataRole.UserRole)]
        self.stack.setCurrentWidget(view)
        view.activated()
        self.view_changed.emit(view.name)

    @property
    def busy(self) -> bool:
        return any(view.busy for view in self.views.values())

    # --- office ------------------------------------------------------------------------------------------

    @Slot()
    def show_office(self) -> None:
        office = installation_office(self.ctx.db)
        if office is None:
            self.setWindowTitle("ATENSI Desktop")
            self.office_status.setText(tr("Identitas kantor belum diatur"))
        else:
            self.setWindowTitle(f"ATENSI Desktop — {office.name}")
            self.office_status.setText(tr("Kantor: {name}").format(name=office.name))
        self.office = office

    @Slot()
    def check_forms(self) -> Task:
        """Start-up check of the asesmen form files, off the GUI thread: a broken file is named with its line.

        The rest of the application stays usable; the asesmen screens refuse the broken form when opened."""
        task = Task(lambda _progress: load_forms())
        task.failed.connect(self._forms_failed)
        return task.start()

    @Slot(object)
    def _forms_failed(self, exc: BaseException) -> None:
        self.forms_error = exc
        show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    @Slot()
    def open_first_run(self) -> None:
        """The set-up dialog for a new installation (cancelling leaves the prompt on Beranda)."""
        open_office_dialog(self, self.ctx.db, on_saved=lambda _office: self.bus.office_changed.emit())

    # --- closing -----------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not all(view.can_close() for view in self.views.values()):
            event.ignore()
            return
        self._remember_view()
        event.accept()

    def _remember_view(self) -> None:
        name = self.current_view().name
        if self.ctx.settings.last_view == name:
            return
        self.ctx.settings.last_view = name
        with contextlib.suppress(OSError):  # remembering the screen is a nicety; never block closing for it
            save_settings(self.ctx.paths.settings_file, self.ctx.settings)
