"""PDF reports (issue 6): naskah dinas documents built with ReportLab from service DTOs.

`document` (page, letterhead, tables, signatures, render), `text` (formats), `redaction` (levels),
`registry` (report kinds, make/save, recording for verification), `verification` (verify a file or code),
and the builders: `case_reports`, `letters`, `aggregates`. Never imports Qt.
"""
