"""Exports for the accountant (host_agent/accounting.py): the sheets and the takings of a
period as CSV files, chosen on one page. A date that does not parse or a period backwards
is a French sentence on the page (400), never a file."""

from fastapi import APIRouter, Request

from host_agent import accounting
from host_agent.web import render
from protocol import dates

router = APIRouter()
MAX_DAYS = 3 * 366  # a period of three years at most: the retention of the doubles


def _day(text, default) -> int:
    """YYYY-MM-DD (as a date field sends it) -> YYYYMMDD; ValueError in French."""
    text = str(text or "").strip()
    if not text:
        return default
    try:
        y, m, d = dates.parse_iso(text[:40])
    except ValueError:
        raise ValueError(
            "« %s » n'est pas une date (JJ/MM/AAAA) : rien n'a été exporté." % text[:40]
        ) from None
    ymd = y * 10000 + m * 100 + d
    if not dates.is_ymd(ymd):
        raise ValueError("Le %s est hors des années 1900 à 2199 : rien n'a été exporté." % text)
    return ymd


def period_of(request, today, first=None) -> accounting.Period:
    """The period of the query's `du` and `au` (by default from `first`, else the first of
    this month, to today); ValueError in French."""
    first = first or today // 100 * 100 + 1
    q = request.query_params
    period = accounting.Period(_day(q.get("du"), first), _day(q.get("au"), today))
    if dates.ymd_to_days(period.end) - dates.ymd_to_days(period.start) > MAX_DAYS:
        raise ValueError("Une période de trois ans au plus : rien n'a été exporté.")
    return period


def grouping_and_period(request, today, default_by, first=None):
    """(by, Period) of the query's `par`, `du` and `au`; ValueError in French."""
    by = accounting.BY.get(request.query_params.get("par", default_by))
    if by is None:
        raise ValueError("Par jour ou par mois : rien n'a été fait.")
    return by, period_of(request, today, first)


def _refused(request, sentence):
    return render.page(request, "exports.html", 400, title="Exports", error=sentence, today=None)


@router.get("/exports")
async def exports_page(request: Request):
    today = render.today(request.app.state.config)
    first = today // 100 * 100 + 1
    return render.page(request, "exports.html", title="Exports", error="", first=first, today=today)


@router.get("/exports/feuilles.csv")
async def sheets_export(request: Request):
    config = request.app.state.config
    today = render.today(config)
    try:
        period = period_of(request, today)
    except ValueError as e:
        return _refused(request, str(e))
    data = await render.with_store(
        request, lambda store: accounting.sheets_csv(store, period, today, config.settings)
    )
    return render.download(
        data, "text/csv; charset=utf-8", "feuilles-%d-%d.csv" % (period.start, period.end)
    )


@router.get("/exports/recettes.csv")
async def takings_export(request: Request):
    config = request.app.state.config
    today = render.today(config)
    try:
        by, period = grouping_and_period(request, today, "jour")
    except ValueError as e:
        return _refused(request, str(e))
    data = await render.with_store(
        request,
        lambda store: accounting.takings_csv(store, period, today, by, config.settings),
    )
    return render.download(
        data, "text/csv; charset=utf-8", "recettes-%s-%d-%d.csv" % (by, period.start, period.end)
    )
