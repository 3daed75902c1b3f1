"""Render a signed transparency report as a PDF (fpdf2, pure Python).

The PDF is a reading copy: the figures are those of the signed JSON, and it prints the
signature note and the checkpoint so a reader can find the JSON to verify.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from transparency.core.charts import period_charts

OUTCOMES = ("received", "published", "refused", "rejected", "redacted", "withdrawn", "recalled")


def _text(value: str) -> str:
    # The core fonts are Latin-1: anything else is printed as "?" rather than failing.
    return value.encode("latin-1", "replace").decode("latin-1")


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h"


def _period(pdf: FPDF, title: str, period: dict[str, Any]) -> None:
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 9, _text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    members = ", ".join(m["name"] for m in period["members"]) or "none"
    pdf.multi_cell(0, 5, _text(f"Members: {members}"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        5,
        _text("Indicator types: " + (", ".join(period["indicator_types"]) or "none")),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for version in period["policy_versions"]:
        pdf.multi_cell(
            0,
            5,
            _text(
                f"Policy version {version['number']}: approved {version['approved_at']}, "
                f"content hash {version['content_hash']}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    rows = [("type", *OUTCOMES)]
    submissions = period["submissions"]
    for itype, figures in [("all types", submissions["total"]), *submissions["by_type"].items()]:
        if figures["status"] == "published":
            rows.append((itype, *(figures[o] for o in OUTCOMES)))
        else:
            rows.append((itype, "withheld", *([""] * (len(OUTCOMES) - 1))))
    with pdf.table(col_widths=(46, *([18] * len(OUTCOMES))), text_align="LEFT") as table:
        for row in rows:
            table.row([_text(cell) for cell in row])
    withheld = [f for f in submissions["by_type"].values() if f["status"] != "published"]
    if withheld or submissions["total"]["status"] != "published":
        reason = (withheld or [submissions["total"]])[0]["reason"]
        pdf.multi_cell(0, 5, _text(f"Withheld: {reason}"), new_x="LMARGIN", new_y="NEXT")
    for chart in period_charts(period):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(0, 6, _text(chart["title"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
        for bar in chart["bars"]:
            y = pdf.get_y()
            pdf.cell(50, 5, _text(bar["label"]))
            if bar["width"]:
                pdf.rect(pdf.l_margin + 52, y + 1, bar["width"] / 4, 3.5, style="F")
            pdf.set_x(pdf.l_margin + 52 + bar["width"] / 4 + 2)
            pdf.cell(0, 5, _text(bar["value"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    times = period["review_times"]
    if times["status"] != "published":
        line = f"Review times: withheld. {times['reason']}"
    elif "median_seconds" in times:
        line = (
            f"Review times ({times['reviews']} reviews): median "
            f"{_hours(times['median_seconds'])}, 90th percentile {_hours(times['p90_seconds'])}"
        )
    else:
        line = "Review times: no review concluded."
    pdf.ln(2)
    pdf.multi_cell(0, 5, _text(line), new_x="LMARGIN", new_y="NEXT")
    applications = period["membership_applications"]
    pdf.multi_cell(
        0,
        5,
        _text(
            f"Regulator exports: {period['regulator_exports']}. Cosigned checkpoints: "
            f"{period['cosigned_checkpoints']}. Membership applications: "
            f"{applications['received']} received, {applications['accepted']} accepted, "
            f"{applications['refused']} refused."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)


def render_pdf(signed: dict[str, Any]) -> bytes:
    """Return the PDF of a signed report."""
    report = signed["report"]
    pdf = FPDF()
    pdf.set_title("Clearroom transparency report")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Clearroom transparency report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    checkpoint = report["checkpoint"]
    pdf.multi_cell(
        0,
        5,
        _text(
            f"Computed from the first {checkpoint['size']} events of the audit log "
            f"{report['origin']} (checkpoint root {checkpoint['root']}). Counts are ranges; a "
            f"figure is withheld where fewer than {report['parameters']['min_contributors']} "
            "members contributed. Verify the signed JSON with clearroom-verify "
            "(docs/transparency.md)."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    figures = report["figures"]
    _period(pdf, "Since the start", figures["since_start"])
    for quarter in reversed(figures["quarters"]):
        _period(pdf, quarter["quarter"], quarter)
    pdf.set_font("Courier", size=7)
    pdf.multi_cell(0, 4, _text("Signature (signed note):\n" + signed["signature"]))
    return bytes(pdf.output())
