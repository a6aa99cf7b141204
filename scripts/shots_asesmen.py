"""Screenshots of the asesmen wizard's kinds of page at 1366x768, for looking at (not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots_asesmen.py OUT_DIR

A throwaway installation in a temporary folder: two workers, an older client in the lanjut usia cluster,
sections partly filled, then one PNG per kind of page (choices and dates, the genogram table, the scored
Barthel index with an inline problem, long text, the review page).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication


def main(out: Path) -> None:
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services.clients import create_client
    from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
    from atensi_desktop.services.workers import create_worker
    from ui import tasks
    from ui.dialogs.asesmen_wizard import REVIEW, AsesmenWizard
    from ui.style import apply_style

    app = QApplication.instance() or QApplication([])
    apply_style(app)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        ctx = open_app(None, home)
        setup_installation(ctx.db, OfficeInput(name="Panti Sosial Tresna Werdha Budi Sejahtera",
                                               office_type="panti", code="PSTW"), WorkerInput(name="Ani Lestari"))
        create_worker(ctx.db, WorkerInput(name="Budi Hartono", worker_type="tks"))
        client = create_client(ctx.db, {"name": "Sarinah binti Ahmad", "sex": "P", "birth_date": dt.date(1948, 3, 2),
                                        "cluster": "lanjut_usia"})
        wizard = AsesmenWizard(ctx, client.id)
        wizard.resize(1366, 768)
        wizard.show()

        def settle() -> None:
            while wizard.busy:
                app.processEvents()
            app.processEvents()

        def shot(name: str) -> None:
            settle()
            wizard.grab().save(str(out / f"{name}.png"))

        page = wizard.renderers["identitas"]
        page.set_values({"tanggal_asesmen": dt.date.today().isoformat(), "sumber_rujukan": "masyarakat",
                         "nama_perujuk": "Ketua RT 03"})
        shot("01-identitas")
        wizard.go_to("sosial")
        sosial = wizard.renderers["sosial"]
        table = next(q for q in sosial.section.questions if q.type == "table")
        people = [("Ahmad", "L", 1920, "ya", "ayah"), ("Siti Aisyah", "P", 1925, "ya", "ibu"),
                  ("Rahmat", "L", 1970, "tidak", "anak")]
        rows = {f"0190a00000007000800000000000{n:04x}": dict(zip(
            ("nama", "jenis_kelamin", "tahun_lahir", "meninggal", "hubungan"), person, strict=True))
            for n, person in enumerate(people)}
        values = sosial.values()
        values[table.id] = {"rows": rows, "order": list(rows)}
        sosial.set_values(values)
        shot("02-sosial-tabel")
        wizard.go_to("lansia")
        lansia = wizard.renderers["lansia"]
        lansia.blocks["barthel_makan"].editor.buttons[2][1].click()
        lansia.blocks["barthel_mandi"].editor.buttons[1][1].click()
        shot("03-lansia-barthel")
        wizard.worker_box.setCurrentIndex(1)
        wizard.go_to("kesimpulan")
        shot("04-kesimpulan")
        wizard.go_to("lansia")
        shot("05-lansia-diisi-oleh")
        wizard.go_to(REVIEW)
        shot("06-periksa")
        settle()
        wizard._closing = True
        wizard.close()
        tasks.wait_for_all()
        ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "shots"))
