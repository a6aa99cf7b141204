"""The asesmen wizard: one section at a time, saved at every step, resumed later, reviewed, then finished.

Left: the sections the skip logic shows now, each marked ✓ (complete) or ! (missing answers or problems),
and "Periksa" last. Right: the current section (ui.widgets.form_renderer). Every step saves the section
being left through services.assessments.save_section in the background (one task at a time, in order);
the save commits at once, so the draft survives a restart. Unsaved typing of the current section is also
kept in a small local draft file (ctx.paths.drafts) and put back when the wizard opens again, together with
the section the worker was on.

Who fills a section: there is no login yet, so the worker is picked at the top left ("Diisi oleh"; the
installation's first worker by name until someone picks another, and the pick is kept with the draft). Each
saved section records that worker; the page shows who last filled it and when, and so does the section list.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QKeySequence,
    QPainter,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from atensi_desktop import drafts
from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.forms import FormChecker, shipped_forms
from atensi_desktop.forms.checker import normalise_context
from atensi_desktop.forms.interpret import check_section, review, visible_sections
from atensi_desktop.i18n import format_date_short
from atensi_desktop.services import assessments as svc
from atensi_desktop.services.clients import get_client
from atensi_desktop.services.office import list_workers
from ui.errors import error_text, show_error
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.form_renderer import HELP_STYLE, PROBLEM_STYLE, SectionRenderer

log = logging.getLogger(__name__)

FORM_ID = "asesmen_umum"
REVIEW = "__periksa__"  # the review page's key in the section list
DRAFT_DELAY_MS = 800
SECTION_KEY = Qt.ItemDataRole.UserRole
PATH_KEY = Qt.ItemDataRole.UserRole + 1
STATE_KEY = Qt.ItemDataRole.UserRole + 2  # "✓", "!" or "" of a section in the list
LIST_WIDTH = 280
PROBLEM_COLOUR = "#b3261e"


def first_worker(ctx: AppContext) -> uuid.UUID | None:
    """The worker recorded as filling sections until there is a login: this installation's first by name."""
    try:
        workers = list_workers(ctx.db)
    except AtensiError:
        return None
    return workers[0][0] if workers else None


class AsesmenWizard(QDialog):
    """Fill one asesmen. `assessment_id` None: start a new draft for the client (raises DraftExistsError when
    one exists; `open_asesmen` resumes that one instead)."""

    saved = Signal(str)  # section id, after its save committed
    finished_assessment = Signal(object)  # the AssessmentDTO

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, parent: QWidget | None = None, *,
                 assessment_id: uuid.UUID | None = None, worker_id: uuid.UUID | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.worker_id = worker_id if worker_id is not None else first_worker(ctx)
        client = get_client(ctx.db, client_id)
        facts = client.values
        birth = facts.get("birth_date")
        if assessment_id is None:
            form = shipped_forms().get(FORM_ID)
            dto = svc.start_assessment(ctx.db, client_id, form_id=form.id, form_version=str(form.version),
                                       worker_id=self.worker_id)
        else:
            dto = svc.get_assessment(ctx.db, assessment_id)
        self.assessment = dto
        self.form = shipped_forms().get(dto.form_id, int(dto.form_version))
        self.context = normalise_context({
            "sex": facts.get("sex"), "birth_date": birth.isoformat() if isinstance(birth, dt.date) else birth,
            "cluster": facts.get("cluster"), "started_on": dto.started_on.isoformat()})
        self.answers: dict[str, dict[str, Any]] = {sid: dict(s.answers) for sid, s in dto.sections.items()}
        self.filled: dict[str, tuple[str | None, dt.datetime | None]] = {
            sid: (s.filled_by_name, s.saved_at) for sid, s in dto.sections.items()}
        self._saved_answers = {sid: dict(a) for sid, a in self.answers.items()}
        self.renderers: dict[str, SectionRenderer] = {}
        self.current: str | None = None
        self._queue: list[tuple[str, dict[str, Any]]] = []
        self._saving: Task | None = None
        self._when_idle: list[Callable[[], None]] = []
        self._closing = False

        self.setWindowTitle(tr("Asesmen — {name}").format(name=facts.get("name") or ""))
        self.setObjectName("asesmenWizard")
        self._build()
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_draft)

        draft = self._read_draft()
        start = None
        if draft:
            start = draft.get("section")
            self._pick_worker(draft.get("worker_id"))
            unsaved = draft.get("answers")
            if isinstance(unsaved, dict) and start in {s.id for s in self.form.sections} \
                    and unsaved != self.answers.get(start, {}):
                self.answers[start] = unsaved
                self.notice.setText(tr("Isian yang belum tersimpan dari sesi sebelumnya dipulihkan."))
        sections = self._visible_ids()
        if start not in sections and start != REVIEW:
            start = next((sid for sid in sections if sid not in self.answers), sections[0] if sections else REVIEW)
        self._refresh_list()
        self.go_to(start, save=False)

    # --- layout -------------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        left_panel = QWidget()
        left_panel.setFixedWidth(LIST_WIDTH)
        left = QVBoxLayout(left_panel)
        left.setContentsMargins(0, 0, 0, 0)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progress")
        left.addWidget(self.progress_label)
        who_label = QLabel(tr("Diisi &oleh:"))
        self.worker_box = QComboBox()
        self.worker_box.setAccessibleName(tr("Petugas yang mengisi"))
        self.worker_box.setToolTip(tr("Petugas yang mengisi bagian-bagian berikutnya; dicatat pada setiap bagian "
                                      "yang disimpan"))
        who_label.setBuddy(self.worker_box)
        try:
            workers = list_workers(self.ctx.db)
        except AtensiError:
            workers = []
        for worker_id, name, kind in workers:
            self.worker_box.addItem(name, worker_id)
            self.worker_box.setItemData(self.worker_box.count() - 1, kind, Qt.ItemDataRole.ToolTipRole)
        if not workers:
            self.worker_box.addItem(tr("(belum ada petugas terdaftar)"), None)
        self._pick_worker(self.worker_id)
        self.worker_box.currentIndexChanged.connect(self._worker_changed)
        left.addWidget(who_label)
        left.addWidget(self.worker_box)
        self.section_list = QListWidget()
        self.section_list.setAccessibleName(tr("Bagian asesmen"))
        # the mark and the number are the item's icon, so a long title wraps under its own first word
        self.section_list.setIconSize(self._mark_size())
        self.section_list.setWordWrap(True)
        self.section_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.section_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.section_list.itemActivated.connect(self._list_activated)
        self.section_list.itemClicked.connect(self._list_activated)
        left.addWidget(self.section_list, 1)
        body.addWidget(left_panel)

        right = QVBoxLayout()
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        right.addWidget(self.title_label)
        self.filled_label = QLabel()
        self.filled_label.setObjectName("filledBy")
        self.filled_label.setStyleSheet(HELP_STYLE)
        right.addWidget(self.filled_label)
        self.stack = QStackedWidget()
        right.addWidget(self.stack, 1)
        self.review_page = self._build_review()
        self.stack.addWidget(self.review_page)
        body.addLayout(right, 1)

        bottom = QHBoxLayout()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(HELP_STYLE)
        bottom.addWidget(self.notice, 1)
        self.back_button = QPushButton(tr("&Kembali"))
        self.back_button.setToolTip(tr("Bagian sebelumnya (Alt+K atau Ctrl+PgUp)"))
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton(tr("&Lanjut"))
        self.next_button.setToolTip(tr("Bagian berikutnya (Alt+L atau Ctrl+PgDn)"))
        self.next_button.setDefault(False)
        self.next_button.setAutoDefault(False)
        self.back_button.setAutoDefault(False)
        self.next_button.clicked.connect(self.next)
        self.close_button = QPushButton(tr("&Simpan && tutup"))
        self.close_button.setAutoDefault(False)
        self.close_button.setToolTip(tr("Simpan bagian ini; asesmen bisa dilanjutkan kapan saja"))
        self.close_button.clicked.connect(self.save_and_close)
        for button in (self.back_button, self.next_button, self.close_button):
            bottom.addWidget(button)
        outer.addLayout(bottom)
        QShortcut(QKeySequence("Ctrl+PgUp"), self, self.back)
        QShortcut(QKeySequence("Ctrl+PgDown"), self, self.next)
        self.resize(1280, 700)

    def _build_review(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.review_intro = QLabel()
        self.review_intro.setWordWrap(True)
        box.addWidget(self.review_intro)
        self.review_list = QListWidget()
        self.review_list.setAccessibleName(tr("Jawaban yang perlu dilengkapi"))
        self.review_list.itemActivated.connect(self._review_activated)
        self.review_list.itemClicked.connect(self._review_activated)
        box.addWidget(self.review_list, 1)
        self.finish_problem = QLabel()
        self.finish_problem.setObjectName("finishProblem")
        self.finish_problem.setWordWrap(True)
        self.finish_problem.setStyleSheet(PROBLEM_STYLE)
        self.finish_problem.hide()
        box.addWidget(self.finish_problem)
        row = QHBoxLayout()
        row.addStretch(1)
        self.finish_button = QPushButton(tr("Selesaikan &asesmen"))
        self.finish_button.setAutoDefault(False)
        self.finish_button.clicked.connect(self.finish)
        row.addWidget(self.finish_button)
        box.addLayout(row)
        box.addStretch(0)  # takes the room when there is nothing to list
        return page

    # --- who fills ---------------------------------------------------------------------------------------

    def _pick_worker(self, worker_id: Any) -> None:
        for i in range(self.worker_box.count()):
            if str(self.worker_box.itemData(i)) == str(worker_id):
                self.worker_box.setCurrentIndex(i)
                self.worker_id = self.worker_box.itemData(i)
                return

    @Slot(int)
    def _worker_changed(self, index: int) -> None:
        self.worker_id = self.worker_box.itemData(index)
        self.write_draft()

    def filled_text(self, section_id: str) -> str:
        """'Terakhir disimpan oleh <name>, <dd-mm-yyyy hh:mm>' for a saved section, else ''."""
        name, when = self.filled.get(section_id, (None, None))
        if when is None:
            return ""
        if when.tzinfo is None:  # stored in UTC; SQLite hands it back without the zone
            when = when.replace(tzinfo=dt.UTC)
        local = when.astimezone()
        stamp = f"{format_date_short(local.date())} {local:%H:%M}"
        if name:
            return tr("Terakhir disimpan oleh {name}, {time}").format(name=name, time=stamp)
        return tr("Terakhir disimpan {time} (petugas tidak tercatat)").format(time=stamp)

    # --- sections -----------------------------------------------------------------------------------------

    def all_answers(self) -> dict[str, dict[str, Any]]:
        answers = {sid: dict(a) for sid, a in self.answers.items()}
        if self.current in self.renderers:
            answers[self.current] = self.renderers[self.current].values()
        return answers

    def _visible_ids(self) -> list[str]:
        return [s.id for s in visible_sections(self.form, self.all_answers(), self.context)]

    def _others(self, section_id: str) -> Callable[[], Mapping[str, Mapping[str, Any]]]:
        return lambda: {sid: a for sid, a in self.answers.items() if sid != section_id}

    def renderer(self, section_id: str) -> SectionRenderer:
        if section_id not in self.renderers:
            renderer = SectionRenderer(self.form, section_id, self.context, self._others(section_id))
            renderer.set_values(self.answers.get(section_id))
            renderer.changed.connect(self._edited)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(renderer)
            self.stack.addWidget(scroll)
            self.renderers[section_id] = renderer
        return self.renderers[section_id]

    def section_state(self, section_id: str) -> str:
        """"✓" complete, "!" missing answers or problems, "" not started."""
        answers = self.all_answers()
        if section_id not in answers:
            return ""
        check = check_section(self.form, section_id, answers, self.context)
        return "✓" if check.ok else "!"

    def _mark_size(self) -> QSize:
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance("✓ 00.") + 6, metrics.height())

    def _mark_icon(self, state: str, number: int) -> QIcon:
        """The state mark and the section's number, drawn as the list item's icon."""
        size = self._mark_size()
        ratio = self.devicePixelRatioF()
        rect = QRect(0, 0, size.width() - 4, size.height())
        normal = QColor(PROBLEM_COLOUR) if state == "!" else self.palette().text().color()
        icon = QIcon()
        for modes, colour in (((QIcon.Mode.Normal, QIcon.Mode.Active), normal),
                              ((QIcon.Mode.Selected,), self.palette().highlightedText().color())):
            pixmap = QPixmap(size * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setFont(self.font())
            painter.setPen(colour)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, state)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{number}.")
            painter.end()
            for mode in modes:
                icon.addPixmap(pixmap, mode)
        return icon

    def _refresh_list(self) -> None:
        ids = self._visible_ids()
        self.section_list.blockSignals(True)
        self.section_list.clear()
        for n, sid in enumerate(ids, 1):
            state = self.section_state(sid)
            title = self.form.section(sid).title
            item = QListWidgetItem(self._mark_icon(state, n), title)
            item.setData(SECTION_KEY, sid)
            item.setData(STATE_KEY, state)
            tip = {"✓": tr("Lengkap"), "!": tr("Ada jawaban wajib yang kosong atau perlu diperiksa"),
                   "": tr("Belum diisi")}[state]
            filled = self.filled_text(sid)
            item.setToolTip(f"{tip}\n{filled}" if filled else tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{n}. {title}: {tip}")
            if state == "!":
                item.setForeground(QColor(PROBLEM_COLOUR))
            self.section_list.addItem(item)
        item = QListWidgetItem(tr("Periksa dan selesaikan"))
        item.setData(SECTION_KEY, REVIEW)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        self.section_list.addItem(item)
        for row in range(self.section_list.count()):
            if self.section_list.item(row).data(SECTION_KEY) == self.current:
                self.section_list.setCurrentRow(row)
        self.section_list.blockSignals(False)
        if self.current == REVIEW:
            self.progress_label.setText(tr("Periksa sebelum selesai"))
        elif self.current in ids:
            self.progress_label.setText(tr("Bagian {n} dari {total}").format(n=ids.index(self.current) + 1,
                                                                           total=len(ids)))

    def go_to(self, section_id: str, *, save: bool = True, focus: str | None = None) -> None:
        """Show a section (or REVIEW), saving the one being left."""
        if save and self.current is not None and self.current != REVIEW:
            self._stash_current()
        self.current = section_id
        if section_id == REVIEW:
            self._fill_review()
            self.stack.setCurrentWidget(self.review_page)
            self.title_label.setText(tr("Periksa dan selesaikan"))
            self.filled_label.hide()
        else:
            renderer = self.renderer(section_id)
            renderer.refresh()  # other sections may have changed what shows here
            self.stack.setCurrentWidget(renderer.parentWidget().parentWidget())
            self.title_label.setText(self.form.section(section_id).title)
            self._show_filled()
            if focus:
                renderer.focus_question(focus.removeprefix(section_id + "."))
        ids = self._visible_ids() + [REVIEW]
        position = ids.index(section_id) if section_id in ids else 0
        self.back_button.setEnabled(position > 0)
        self.next_button.setEnabled(section_id != REVIEW)
        self._refresh_list()
        self.write_draft()

    def _show_filled(self) -> None:
        text = self.filled_text(self.current) if self.current else ""
        self.filled_label.setText(text or tr("Bagian ini belum pernah disimpan."))
        self.filled_label.show()

    def _stash_current(self) -> None:
        """Keep the current section's answers and queue its save when they changed."""
        sid = self.current
        if sid is None or sid == REVIEW or sid not in self.renderers:
            return
        values = self.renderers[sid].values()
        self.answers[sid] = values
        if values != self._saved_answers.get(sid):
            self._enqueue(sid, values)

    def _neighbour(self, step: int) -> str | None:
        ids = self._visible_ids() + [REVIEW]
        if self.current not in ids:
            return ids[0]
        i = ids.index(self.current) + step
        return ids[i] if 0 <= i < len(ids) else None

    @Slot()
    def next(self) -> None:
        target = self._neighbour(1)
        if target is not None:
            self.go_to(target)

    @Slot()
    def back(self) -> None:
        target = self._neighbour(-1)
        if target is not None:
            self.go_to(target)

    @Slot(QListWidgetItem)
    def _list_activated(self, item: QListWidgetItem) -> None:
        sid = item.data(SECTION_KEY)
        if sid and sid != self.current:
            self.go_to(sid)

    @Slot()
    def _edited(self) -> None:
        self._draft_timer.start()
        self._refresh_list()  # the list marks follow the typing (and the skip logic)

    # --- saving (background, in order) --------------------------------------------------------------------

    def _enqueue(self, section_id: str, answers: dict[str, Any]) -> None:
        self._queue = [(s, a) for s, a in self._queue if s != section_id] + [(section_id, answers)]
        self._pump()

    def _pump(self) -> None:
        if self._saving is not None:
            return
        if not self._queue:
            callbacks, self._when_idle = self._when_idle, []
            for callback in callbacks:
                callback()
            return
        sid, answers = self._queue.pop(0)
        db, aid, worker = self.ctx.db, self.assessment.id, self.worker_id
        context = {"all_answers": {k: v for k, v in self.answers.items() if k != sid}}
        task = Task(lambda _p: svc.save_section(db, aid, sid, answers, worker_id=worker, checker=FormChecker(),
                                                context=context))
        task.finished.connect(lambda dto, s=sid, a=answers: self._saved(s, a, dto))
        task.failed.connect(lambda exc, s=sid: self._save_failed(s, exc))
        self._saving = task
        self.notice.setText(tr("Menyimpan…"))
        task.start()

    def _saved(self, section_id: str, answers: dict[str, Any], dto: svc.SectionDTO | None = None) -> None:
        if not isValid(self):  # closed and deleted meanwhile: the save itself has committed
            return
        self._saving = None
        self._saved_answers[section_id] = answers
        if dto is not None:
            self.filled[section_id] = (dto.filled_by_name, dto.saved_at)
            if section_id == self.current:
                self._show_filled()
            self._refresh_list()
        self.notice.setStyleSheet(HELP_STYLE)
        self.notice.setText(tr("Tersimpan {time}.").format(time=dt.datetime.now().strftime("%H:%M")))
        self.saved.emit(section_id)
        self.write_draft()
        self._pump()

    def _save_failed(self, section_id: str, exc: BaseException) -> None:
        log.warning("saving asesmen section %s failed: %s", section_id, type(exc).__name__)
        text = error_text(exc) if isinstance(exc, AtensiError) else tr("Bagian ini belum tersimpan.")
        if not isValid(self):
            return
        self._saving = None
        self.notice.setText(tr("{error} Isian tetap ada di layar dan di draf; coba simpan lagi.").format(
            error=text))
        self.notice.setStyleSheet(PROBLEM_STYLE)
        self._queue.clear()
        callbacks, self._when_idle = self._when_idle, []
        del callbacks  # nothing waits on a failed save: the worker decides again

    def when_saved(self, callback: Callable[[], None]) -> None:
        """Run `callback` once every queued save has committed."""
        self._when_idle.append(callback)
        self._pump()

    @property
    def busy(self) -> bool:
        return self._saving is not None or bool(self._queue)

    @Slot()
    def save_and_close(self) -> None:
        self._stash_current()
        self.write_draft()
        self._closing = True
        self.close_button.setEnabled(False)
        self.when_saved(self.accept)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt)
        if not self._closing:  # Esc or the window's X: keep what was typed, saving it in the background
            self._stash_current()
            self.write_draft()
        super().closeEvent(event)

    def reject(self) -> None:
        if not self._closing:
            self._stash_current()
            self.write_draft()
        super().reject()

    # --- local draft of unsaved typing -------------------------------------------------------------------

    @property
    def draft_path(self) -> Path:
        return self.ctx.paths.drafts / f"asesmen-{self.assessment.id}.json"

    @Slot()
    def write_draft(self) -> None:
        section = self.current
        answers = None
        if section in self.renderers:
            answers = self.renderers[section].values()
            if answers == self._saved_answers.get(section):
                answers = None
        document = {"assessment_id": str(self.assessment.id), "section": section, "answers": answers,
                    "worker_id": str(self.worker_id) if self.worker_id else None,
                    "saved_at": dt.datetime.now().isoformat(timespec="seconds")}
        drafts.write_draft(self.draft_path, document)  # a safety net only: the wizard works without it

    def _read_draft(self) -> dict[str, Any] | None:
        return drafts.read_draft(self.draft_path)

    def delete_draft(self) -> None:
        drafts.delete_draft(self.draft_path)

    # --- review and finish --------------------------------------------------------------------------------

    def _fill_review(self) -> None:
        found = review(self.form, self.all_answers(), self.context)
        self.review_list.clear()
        self.finish_problem.hide()
        if found.complete and not found.problems:
            self.review_intro.setText(tr("Semua jawaban wajib sudah diisi. Asesmen siap diselesaikan."))
        elif found.complete:
            self.review_intro.setText(tr("Semua jawaban wajib sudah diisi. Ada jawaban yang perlu diperiksa lagi; "
                                         "asesmen tetap bisa diselesaikan."))
        else:
            self.review_intro.setText(tr("{n} jawaban wajib belum diisi. Klik (atau tekan Enter) untuk "
                                         "membukanya.").format(n=len(found.missing)))
        groups: dict[str, list[tuple[Any, str]]] = {}
        titles: dict[str, str] = {}
        for item in found.missing:
            groups.setdefault(item.section_id, []).append((item, tr("Belum diisi")))
            titles[item.section_id] = item.section_title
        for item in found.problems:
            groups.setdefault(item.section_id, []).append((item, item.message))
            titles[item.section_id] = item.section_title
        for sid in [s.id for s in self.form.sections if s.id in groups]:
            header = QListWidgetItem(titles[sid])
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            header.setData(SECTION_KEY, sid)
            self.review_list.addItem(header)
            for item, message in groups[sid]:
                line = QListWidgetItem(f"    {item.label} — {message}")
                line.setData(SECTION_KEY, sid)
                line.setData(PATH_KEY, item.path)
                if message != tr("Belum diisi"):
                    line.setForeground(QColor(PROBLEM_COLOUR))
                self.review_list.addItem(line)
        self.review_list.setVisible(self.review_list.count() > 0)
        if self.review_list.count():
            self.review_list.setCurrentRow(0)

    def review_lines(self) -> list[str]:
        return [self.review_list.item(i).text().strip() for i in range(self.review_list.count())]

    @Slot(QListWidgetItem)
    def _review_activated(self, item: QListWidgetItem) -> None:
        sid = item.data(SECTION_KEY)
        if sid:
            self.go_to(sid, focus=item.data(PATH_KEY))

    @Slot()
    def finish(self) -> None:
        """Finish once every save has committed; a refusal (missing answers) is shown on the page."""
        self._stash_current()
        self.finish_button.setEnabled(False)
        self.when_saved(self._finish_now)

    def _finish_now(self) -> None:
        db, aid, worker = self.ctx.db, self.assessment.id, self.worker_id
        task = Task(lambda _p: svc.finish(db, aid, worker_id=worker, checker=FormChecker()))
        task.finished.connect(self._finished)
        task.failed.connect(self._finish_failed)
        task.start()

    def _finished(self, dto: svc.AssessmentDTO) -> None:
        if not isValid(self):
            return
        self.assessment = dto
        self.delete_draft()
        self.finished_assessment.emit(dto)
        self._closing = True
        self.accept()

    def _finish_failed(self, exc: BaseException) -> None:
        if not isValid(self):
            return
        self.finish_button.setEnabled(True)
        if isinstance(exc, svc.IncompleteAssessmentError):
            self.finish_problem.setText(error_text(exc))
            self.finish_problem.show()
            self._fill_review()
            self.finish_problem.setText(error_text(exc))
            self.finish_problem.show()
        elif isinstance(exc, AtensiError):
            self.finish_problem.setText(error_text(exc))
            self.finish_problem.show()
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")


def open_asesmen(parent: QWidget | None, ctx: AppContext, bus: Any, client_id: uuid.UUID) -> AsesmenWizard | None:
    """The client's asesmen: its draft resumed when there is one, else a new draft. Window-modal, not
    blocking; None when it cannot be opened (the error is shown)."""
    try:
        try:
            wizard = AsesmenWizard(ctx, client_id, parent)
        except svc.DraftExistsError as exc:
            wizard = AsesmenWizard(ctx, client_id, parent, assessment_id=exc.assessment_id)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    wizard.bus = bus
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()
    return wizard
