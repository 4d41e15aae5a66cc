"""Recettes (issue 20 item 2): what the practice earned and what it is owed, in French.
The takings of a period per month (or day), professional and fund (fees, the part expected
from the funds, what they paid); the third-party claims not paid yet with their age; the
sheets paid another amount than expected; each rejected sheet with its fund's label and the
next steps offered (a paper duplicate from the sheet's page, the patient billed, a corrected
sheet). The reconciliation of `tla-agent returns report`, in the pages."""

from fastapi import APIRouter, Request

from host_agent import accounting, names, returns_report
from host_agent.web import render
from host_agent.web.pages_exports import grouping_and_period

router = APIRouter()


@router.get("/recettes")
async def money_page(request: Request):
    config = request.app.state.config
    today = render.today(config)
    try:
        by, period = grouping_and_period(request, today, "mois", first=today // 10000 * 10000 + 101)
    except ValueError as e:
        return render.page(request, "money.html", 400, title="Recettes", error=str(e))

    def read(store):
        rec = returns_report.reconcile(store, open_only=True)  # not the paid as expected
        lines = accounting.takings(store, period, today, by)
        return lines, rec, names.holders_of(store, [line[1] for line in lines])

    lines, rec, holders = await render.with_store(request, read)
    totals = [sum(line[i] for line in lines) for i in (3, 4, 5, 6)]
    unpaid = sorted(rec.waiting, key=lambda s: -s.days_since_sent(today))
    rejected = [s for s in rec.states if s.state == returns_report.REJECTED]
    return render.page(
        request,
        "money.html",
        title="Recettes",
        error="",
        period=period,
        by=by,
        lines=lines,
        totals=totals,
        holders=holders,
        unpaid=[(s, s.days_since_sent(today)) for s in unpaid],
        owed=sum(s.expected for s in unpaid),
        differences=rec.differences,
        rejected=rejected,
    )
