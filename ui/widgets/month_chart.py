"""Services per month as stacked bars, painted with QPainter (no chart library): one bar per month, one colour
per service list (ATENSI, SPM, rehabilitasi sosial PP 39/2012), the count on top. The arrow keys (or the
mouse) choose a month; its figures are written out in `caption` for readers and the keyboard."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from atensi_desktop.i18n import N_, format_number
from atensi_desktop.services.service_stats import MonthServices
from ui.i18n import tr
from ui.style import ACCENT, INK, LINE, MUTED

# (service kind, legend label, colour), bottom of the bar first
KINDS: tuple[tuple[str, str, str], ...] = (
    ("atensi", N_("ATENSI"), ACCENT),
    ("spm", N_("SPM"), "#4f9d69"),
    ("rehab", N_("Rehsos PP 39/2012"), "#d08c2f"),
)
OTHER_COLOR = "#8a96a3"


def month_caption(month: MonthServices) -> str:
    """'Maret 2026: 12 layanan, Rp 1.500.000' (the value only when there is one)."""
    text = tr("{month}: {count} layanan").format(month=month.label(long=True), count=format_number(month.entries))
    if month.value_rp:
        text += ", " + tr("Rp {value}").format(value=format_number(month.value_rp))
    return text


class MonthBarChart(QWidget):
    """Stacked bars of `MonthServices`; `selected` (an index into `months`) follows the keys and the mouse."""

    selection_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.months: tuple[MonthServices, ...] = ()
        self.selected = -1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(tr("Grafik layanan per bulan"))

    def sizeHint(self) -> QSize:
        return QSize(360, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 140)

    def set_months(self, months: Sequence[MonthServices]) -> None:
        self.months = tuple(months)
        self.select(len(self.months) - 1)
        self.setAccessibleDescription("; ".join(month_caption(m) for m in self.months))
        self.update()

    def select(self, index: int) -> None:
        index = max(-1, min(index, len(self.months) - 1))
        if index != self.selected:
            self.selected = index
            self.update()
            self.selection_changed.emit(index)

    def selected_month(self) -> MonthServices | None:
        return self.months[self.selected] if 0 <= self.selected < len(self.months) else None

    # --- geometry --------------------------------------------------------------------------------------

    def _plot(self) -> QRect:
        metrics = self.fontMetrics()
        top = metrics.height() + 6  # room for the count over the tallest bar
        bottom = metrics.height() + 8  # month labels
        return self.rect().adjusted(4, top, -4, -bottom)

    def _slot(self, index: int) -> QRectF:
        plot = self._plot()
        width = plot.width() / max(len(self.months), 1)
        return QRectF(plot.left() + index * width, plot.top(), width, plot.height())

    def index_at(self, pos: QPoint) -> int:
        """The month under `pos` (-1 outside the bars)."""
        plot = self._plot()
        if not self.months or not plot.left() <= pos.x() <= plot.right():
            return -1
        width = plot.width() / len(self.months)
        return min(int((pos.x() - plot.left()) / width), len(self.months) - 1)

    # --- painting --------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot = self._plot()
        metrics = self.fontMetrics()
        painter.setPen(QPen(QColor(LINE), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        peak = max((m.entries for m in self.months), default=0)
        if not self.months:
            return
        for index, month in enumerate(self.months):
            slot = self._slot(index)
            if index == self.selected:
                painter.fillRect(slot.adjusted(1, -metrics.height() - 4, -1, metrics.height() + 6),
                                 QColor("#eef3f8"))
            bar_width = min(slot.width() * 0.62, 34.0)
            left = slot.center().x() - bar_width / 2
            base = float(plot.bottom())
            if peak:
                stacks = [(month.by_kind.get(kind, 0), color) for kind, _label, color in KINDS]
                known = sum(count for count, _color in stacks)
                stacks.append((max(month.entries - known, 0), OTHER_COLOR))
                for count, color in stacks:
                    if not count:
                        continue
                    height = plot.height() * count / peak
                    painter.fillRect(QRectF(left, base - height, bar_width, height), QColor(color))
                    base -= height
            painter.setPen(QColor(INK if month.entries else MUTED))
            number_box = QRectF(slot.left(), base - metrics.height() - 2, slot.width(), metrics.height())
            painter.drawText(number_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                             format_number(month.entries))
            painter.setPen(QColor(INK if index == self.selected else MUTED))
            label_box = QRectF(slot.left(), plot.bottom() + 4, slot.width(), metrics.height() + 2)
            painter.drawText(label_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, month.label())
        if self.hasFocus() and 0 <= self.selected < len(self.months):
            painter.setPen(QPen(QColor(ACCENT), 1, Qt.PenStyle.DotLine))
            painter.drawRect(self._slot(self.selected).adjusted(1, -metrics.height() - 4, -2, metrics.height() + 5))

    # --- keys and mouse --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Left:
            self.select(max(self.selected - 1, 0))
        elif key == Qt.Key.Key_Right:
            self.select(self.selected + 1)
        elif key == Qt.Key.Key_Home:
            self.select(0)
        elif key == Qt.Key.Key_End:
            self.select(len(self.months) - 1)
        else:
            super().keyPressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().toPoint())
        if index >= 0:
            self.select(index)
            QToolTip.showText(event.globalPosition().toPoint(), month_caption(self.months[index]), self)
        super().mouseMoveEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)
