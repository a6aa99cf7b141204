"""Beranda: who this installation works for, and the real figures from the database."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_date_long, format_number
from atensi_desktop.services.office import OfficeDTO, installation_office
from atensi_desktop.services.service_stats import MonthServices, services_per_month
from atensi_desktop.services.stats import Overview, overview
from atensi_desktop.services.tasks import DueTasks, TaskDTO, tasks_due
from ui.change_bus import ChangeBus
from ui.dialogs.setup import open_office_dialog
from ui.errors import show_error
from ui.i18n import tr
from ui.style import ACCENT, ERROR, INK, MUTED
from ui.tasks import Task
from ui.views.base import View
from ui.widgets.common import IconCard, make_card, make_label
from ui.widgets.month_chart import KINDS, MonthBarChart, month_caption

MONTHS_SHOWN = 12
TASKS_SHOWN = 50  # rows per group in "Hari ini" (the counts stay exact)
TASK_ROLE = Qt.ItemDataRole.UserRole
WHEN_ROLE = Qt.ItemDataRole.UserRole + 1
WHO_ROLE = Qt.ItemDataRole.UserRole + 2
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 3
FIGURES = (
    ("clients", N_("Klien terdaftar")),
    ("households", N_("Keluarga")),
    ("workers", N_("Pendamping")),
    ("open_cases", N_("Kasus aktif")),
)


class BerandaView(View):
    """Office identity card (or the set-up prompt), four counts, and a row of three cards: cases per stage,
    services per month (a bar chart) and "Hari ini" (tasks overdue and due today; Enter or a click opens
    the client)."""

    name = "beranda"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Beranda"), parent)
        self.date_label = make_label(format_date_long(dt.date.today()), "muted")
        self.header.addWidget(self.date_label)
        self._task: Task | None = None
        self._reload = False
        self.body.addWidget(self._office_card())
        self.body.addLayout(self._figure_tiles())
        cards = QHBoxLayout()
        cards.setSpacing(14)
        cards.addWidget(self._stage_card(), 10, Qt.AlignmentFlag.AlignTop)
        cards.addWidget(self._services_card(), 12)
        cards.addWidget(self._today_card(), 12)
        self.body.addLayout(cards, 1)
        self.client_form: QWidget | None = None
        bus.office_changed.connect(self.show_office)
        bus.clients_changed.connect(self.load_figures)
        bus.cases_changed.connect(self.load_figures)
        bus.services_changed.connect(self.load_figures)
        bus.tasks_changed.connect(self.load_figures)
        self.show_office()
        self.load_figures()

    # --- office ----------------------------------------------------------------------------------------

    def _office_card(self) -> QWidget:
        card = IconCard(icon_name="kantor", button_text=tr("Atur identitas kantor…"))
        self.office_name, self.office_details, self.setup_button = card.title_label, card.detail_label, card.button
        self.office_name.setObjectName("officeName")
        self.setup_button.clicked.connect(self.open_setup)
        return card

    @Slot()
    def show_office(self) -> None:
        office = installation_office(self.ctx.db)
        self.office = office
        if office is None:
            self.office_name.setText(tr("Identitas kantor belum diatur"))
            self.office_details.setText(tr(
                "Atur nama kantor, jenis kantor dan pendamping pertama agar laporan dan ID klien "
                "memakai identitas kantor Anda."))
            self.setup_button.show()
        else:
            self.office_name.setText(office.name)
            self.office_details.setText(office_summary(office))
            self.setup_button.hide()

    @Slot()
    def open_setup(self) -> None:
        open_office_dialog(self, self.ctx.db, on_saved=lambda _office: self.bus.office_changed.emit())

    # --- figures ---------------------------------------------------------------------------------------

    def _figure_tiles(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(14)
        self.figure_labels: dict[str, QLabel] = {}
        for column, (key, caption) in enumerate(FIGURES):
            card, layout = make_card(margins=16, spacing=2)
            value = make_label("–", "figure")
            value.setObjectName(f"figure_{key}")
            layout.addWidget(value)
            layout.addWidget(make_label(tr(caption), "muted"))
            grid.addWidget(card, 0, column)
            grid.setColumnStretch(column, 1)
            self.figure_labels[key] = value
        return grid

    def _stage_card(self) -> QWidget:
        card, layout = make_card(margins=16, spacing=10)
        layout.addWidget(make_label(tr("Kasus per tahap"), "subtitle"))
        self.stage_table = QTableWidget(0, 2)
        self.stage_table.setHorizontalHeaderLabels([tr("Tahap"), tr("Kasus")])
        self.stage_table.verticalHeader().hide()
        self.stage_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stage_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.stage_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stage_table.setShowGrid(False)
        self.stage_table.setAlternatingRowColors(True)
        header = self.stage_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.stage_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stage_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.stage_table)
        return card

    def _services_card(self) -> QWidget:
        card, layout = make_card(margins=16, spacing=8)
        layout.addWidget(make_label(tr("Layanan per bulan"), "subtitle"))
        self.chart = MonthBarChart()
        self.chart.setObjectName("servicesChart")
        layout.addWidget(self.chart, 1)
        legend = QHBoxLayout()
        legend.setSpacing(12)
        for _kind, label, color in KINDS:
            swatch = QLabel()
            swatch.setFixedSize(10, 10)
            swatch.setStyleSheet(f"background: {color}; border-radius: 2px;")
            legend.addWidget(swatch)
            legend.addWidget(make_label(tr(label), "muted"))
        legend.addStretch(1)
        layout.addLayout(legend)
        self.chart_caption = make_label("", "muted", wrap=True)
        self.chart_caption.setObjectName("chartCaption")
        layout.addWidget(self.chart_caption)
        self.chart.selection_changed.connect(self._show_month)
        return card

    def _today_card(self) -> QWidget:
        card, layout = make_card(margins=16, spacing=8)
        heading = QHBoxLayout()
        heading.addWidget(make_label(tr("Hari ini"), "subtitle"))
        heading.addStretch(1)
        self.today_counts = make_label("", "muted")
        self.today_counts.setObjectName("todayCounts")
        heading.addWidget(self.today_counts)
        layout.addLayout(heading)
        self.today_list = QListWidget()
        self.today_list.setObjectName("todayList")
        self.today_list.setAccessibleName(tr("Tugas yang jatuh tempo"))
        self.today_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.today_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.today_list.setWordWrap(False)
        self.today_list.setItemDelegate(TaskItemDelegate(self.today_list))
        self.today_list.setToolTip(tr("Enter atau klik: buka klien tugas ini"))
        self.today_list.itemActivated.connect(self._task_chosen)
        self.today_list.itemClicked.connect(self._task_chosen)
        self.today_empty = make_label(tr("Tidak ada tugas yang terlambat atau jatuh tempo hari ini."), "empty",
                                      wrap=True)
        self.today_empty.setObjectName("todayEmpty")
        self.today_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.today_pages = QStackedWidget()
        self.today_pages.addWidget(self.today_list)
        self.today_pages.addWidget(self.today_empty)
        self.today_pages.setCurrentWidget(self.today_empty)
        layout.addWidget(self.today_pages, 1)
        return card

    @property
    def busy(self) -> bool:
        return self._task is not None

    def activated(self) -> None:
        self.load_figures()

    @Slot()
    def load_figures(self) -> None:
        """Count in the background; the numbers appear when the database has answered."""
        if self._task is not None:
            self._reload = True  # counted again once the running count is in
            return
        db = self.ctx.db
        self._task = Task(lambda _progress: load_home(db))
        self._task.finished.connect(self._show_figures)
        self._task.failed.connect(self._figures_failed)
        self._task.start()

    @Slot(object)
    def _show_figures(self, home: HomeData) -> None:
        self._task = None
        if self._reload:
            self._reload = False
            self.load_figures()
        self.overview = data = home.overview
        self._show_services(home.months)
        self._show_tasks(home.tasks)
        for key, label in self.figure_labels.items():
            label.setText(format_number(getattr(data, key)))
        self.stage_table.setRowCount(len(data.cases_by_stage))
        for row, (_code, label, count) in enumerate(data.cases_by_stage):
            self.stage_table.setItem(row, 0, QTableWidgetItem(label))
            number = QTableWidgetItem(format_number(count))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.stage_table.setItem(row, 1, number)
        self._fit_stage_table()

    def _fit_stage_table(self) -> None:
        """As tall as its rows: the handful of stages never needs a scroll bar."""
        table = self.stage_table
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(row) for row in range(table.rowCount()))
        table.setFixedHeight(height)

    def _show_services(self, months: tuple[MonthServices, ...]) -> None:
        self.months = months
        self.chart.set_months(months)
        self._show_month(self.chart.selected)

    @Slot(int)
    def _show_month(self, index: int) -> None:
        month = self.chart.months[index] if 0 <= index < len(self.chart.months) else None
        total = sum(m.entries for m in self.chart.months)
        if month is None:
            self.chart_caption.setText("")
        elif not total:
            self.chart_caption.setText(tr("Belum ada layanan yang dicatat dalam {n} bulan terakhir.").format(
                n=len(self.chart.months)))
        else:
            self.chart_caption.setText(month_caption(month))

    def _show_tasks(self, due: DueTasks | None) -> None:
        self.due = due
        self.today_list.clear()
        if due is None:
            self.today_counts.setText("")
            self.today_pages.setCurrentWidget(self.today_empty)
            return
        self.today_counts.setText(tr("{late} terlambat · {today} hari ini").format(
            late=format_number(due.overdue_count), today=format_number(due.due_today_count)))
        for task in due.overdue:
            self._add_task_item(task, due.today, overdue=True)
        for task in due.due_today:
            self._add_task_item(task, due.today, overdue=False)
        hidden = due.overdue_count - len(due.overdue) + due.due_today_count - len(due.due_today)
        if hidden > 0:
            more = QListWidgetItem(tr("… dan {n} tugas lagi").format(n=format_number(hidden)))
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.today_list.addItem(more)
        self.today_pages.setCurrentWidget(self.today_list if self.today_list.count() else self.today_empty)

    def _add_task_item(self, task: TaskDTO, today: dt.date, *, overdue: bool) -> None:
        when = tr("Terlambat {n} hari").format(n=task.days_overdue(today)) if overdue else tr("Hari ini")
        who = task.client_name or ""
        if task.client_display_id:
            who += f" ({task.client_display_id})"
        item = QListWidgetItem(f"{task.title}\n{when} · {who}")
        item.setData(TASK_ROLE, task.client_id)
        item.setData(WHEN_ROLE, when)
        item.setData(WHO_ROLE, who)
        item.setData(OVERDUE_ROLE, overdue)
        tip = [task.kind_label, who]
        if task.worker_name:
            tip.append(tr("Petugas: {name}").format(name=task.worker_name))
        if task.note:
            tip.append(task.note)
        item.setToolTip("\n".join(tip))
        self.today_list.addItem(item)

    @Slot(QListWidgetItem)
    def _task_chosen(self, item: QListWidgetItem) -> None:
        client_id = item.data(TASK_ROLE)
        if isinstance(client_id, uuid.UUID):
            self.open_client(client_id)

    def open_client(self, client_id: uuid.UUID) -> QWidget | None:
        """The client's form (window-modal, not blocking); one at a time."""
        if self.client_form is not None:
            self.client_form.raise_()
            self.client_form.activateWindow()
            return self.client_form
        from ui.dialogs.client_form import ClientFormDialog

        try:
            dialog = ClientFormDialog(self.ctx, client_id=client_id, parent=self)
        except AtensiError as exc:  # archived or merged meanwhile
            show_error(self, exc)
            return None
        dialog.finished.connect(lambda _result, d=dialog: self._client_form_finished(d))
        self.client_form = dialog
        dialog.open()
        return dialog

    def _client_form_finished(self, dialog: QWidget) -> None:
        self.client_form = None
        saved = getattr(dialog, "saved_client", None)
        dialog.deleteLater()
        if saved is not None:
            self.bus.clients_changed.emit()

    @Slot(object)
    def _figures_failed(self, exc: BaseException) -> None:
        self._task = None
        self._reload = False
        show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")


class TaskItemDelegate(QStyledItemDelegate):
    """Two lines per task: the title, then when it is due (red when late) and whose it is, muted."""

    PAD = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        if index.data(WHEN_ROLE) is None:
            return super().sizeHint(option, index)
        return QSize(option.rect.width(), 2 * option.fontMetrics.height() + 2 * self.PAD + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        when = index.data(WHEN_ROLE)
        if when is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        metrics = option.fontMetrics
        rect = option.rect.adjusted(self.PAD + 2, self.PAD, -self.PAD, -self.PAD)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "").split("\n", 1)[0]
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(INK))
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(bold).elidedText(title, Qt.TextElideMode.ElideRight, rect.width()))
        painter.setFont(option.font)
        line = QRect(rect.left(), rect.top() + metrics.height() + 2, rect.width(), metrics.height())
        when_text = f"{when} · "
        painter.setPen(QColor(ERROR if index.data(OVERDUE_ROLE) else ACCENT))
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, when_text)
        rest = line.adjusted(metrics.horizontalAdvance(when_text), 0, 0, 0)
        painter.setPen(QColor(MUTED))
        painter.drawText(rest, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(str(index.data(WHO_ROLE) or ""), Qt.TextElideMode.ElideRight,
                                            rest.width()))
        painter.restore()


@dataclass(frozen=True)
class HomeData:
    overview: Overview
    months: tuple[MonthServices, ...]
    tasks: DueTasks | None


def load_home(db) -> HomeData:
    """Everything Beranda shows, read in one background task."""
    return HomeData(overview=overview(db), months=services_per_month(db, MONTHS_SHOWN),
                    tasks=tasks_due(db, limit=TASKS_SHOWN))


def office_summary(office: OfficeDTO) -> str:
    """'Dinas Sosial · kode DSHSS' then address, city, phone and e-mail, each when known."""
    first = f"{office.office_type_label} · " + tr("kode {code}").format(code=office.code)
    place = ", ".join(part for part in (office.address, office.city) if part)
    contact = " · ".join(part for part in (office.phone, office.email) if part)
    return "\n".join(line for line in (first, place, contact) if line)

