"""tla-agent returns: what the funds answered (docs/returns.md), from a file or from the
mailbox of the settings, and third-party payments reconciled. Each command calls one
function of host_agent/returns.py, mailbox.py or returns_report.py, and prints."""

import time
from pathlib import Path
from typing import Annotated

import typer

from host_agent import lots, mailbox, returns, returns_report
from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    console,
    current_settings,
    err,
    iso,
    line,
    open_store,
    plural,
    print_json,
    refused,
    said_lots,
    said_rebuilt,
    table,
)
from host_agent.errors import EXIT_REFUSED, AgentError
from host_agent.money import eur as euros

returns_app = typer.Typer(
    help="The funds' returns: per lot received or rejected, per sheet accepted, rejected or "
    "paid (docs/returns.md).",
    no_args_is_help=True,
)


def _said(outcome: returns.Outcome) -> None:
    """What an import recorded, one line an answer."""
    said_lots(outcome, "received")
    for a in outcome.sheets:
        what = "sheet %d (order no %d) of lot %s" % (
            a.sheet["id"],
            a.sheet["order_no"],
            lots.name(a.lot),
        )
        if a.already:
            console.print("%s: already recorded as %s" % (what, a.result))
        elif a.result == returns.PAID:
            console.print("%s paid %s on %s" % (what, euros(a.amount), iso(a.day)))
        elif a.result == returns.REJECTED:
            reason = "%s: %s" % (a.code, a.label) if a.code else a.label
            console.print(
                line(("%s rejected" % what, "yellow"), " on %s: %s" % (iso(a.day), reason))
            )
        else:
            console.print("%s accepted on %s" % (what, iso(a.day)))
    said_rebuilt(outcome, "the rejected lot's sheets are")


@returns_app.command("import")
def import_return(
    file: Annotated[Path, typer.Argument(help="A return file (JSON: tla-return/1, or tla-ack/1).")],
    db: DbOption = DEFAULT_DB,
):
    """Import a fund's return file (docs/returns.md).

    Each sheet's state follows (accepted, rejected with the fund's reason, paid); a lot
    rejected whole puts its sheets into a new lot. A malformed file, an unknown lot or an
    answer that contradicts an earlier one changes nothing."""
    store = open_store(db)
    try:
        outcome = returns.apply_file(store, file, int(time.time()))
    except AgentError as e:
        refused(e)
    _said(outcome)


@returns_app.command("fetch")
def fetch_returns(db: DbOption = DEFAULT_DB):
    """Import the return files attached to the unread messages of the funds' mailbox.

    The mailbox is the settings' [mailbox] (IMAP; password from $TLA_IMAP_PASSWORD). A
    message whose files were all imported is marked read; one with a refused file stays
    unread, and the refusal is said (exit code 1)."""
    store = open_store(db)
    try:
        done = mailbox.fetch(store, current_settings().mailbox(), int(time.time()))
    except AgentError as e:
        refused(e)
    bad = 0
    for f in done.found:
        if f.error is not None:
            bad += 1
            err.print(
                line(("refused:", "red"), " %s (message %r, left unread)" % (f.error, f.subject))
            )
        else:
            _said(f.outcome)
    console.print(
        "%s with a return file, %s without (left alone)%s"
        % (
            plural(len({f.subject for f in done.found}), "message"),
            plural(done.skipped, "message"),
            "; %s more next time" % plural(done.left, "message") if done.left else "",
        )
    )
    if bad:
        raise typer.Exit(EXIT_REFUSED)


@returns_app.command("report")
def report_returns(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
):
    """Reconcile third-party payments against each sheet's expected share.

    Lists the transmitted sheets by state, then the third-party sheets paid another
    amount, rejected, or not paid yet. Exits 1 when a payment differs from what was
    expected (R161-42 8°: the third-party amount of the sheet)."""
    store = open_store(db)
    report = returns_report.reconcile(store)
    if as_json:

        def rows(found):
            return [
                {
                    "sheet": s.row["id"],
                    "order_no": s.row["order_no"],
                    "lot": s.lot,
                    "state": s.state,
                    "expected": s.expected,
                    "paid": s.amount,
                    "code": s.code,
                    "label": s.label,
                }
                for s in found
            ]

        print_json(
            {
                "states": returns_report.counts(store, report.states),
                "expected": report.expected,
                "paid": report.paid,
                "matched": rows(report.matched),
                "differences": rows(report.differences),
                "rejected": rows(report.rejected),
                "waiting": rows(report.waiting),
            }
        )
    else:
        counts = returns_report.counts(store, report.states)
        console.print(
            "transmitted sheets: "
            + ", ".join("%d %s" % (counts[k], k) for k in returns_report.STATES)
        )
        for title, found in (
            ("paid another amount", report.differences),
            ("rejected by the fund", report.rejected),
            ("third-party payment not received yet", report.waiting),
        ):
            if not found:
                continue
            out = table(
                "%s: %s" % (title, plural(len(found), "sheet")),
                "sheet",
                "order no",
                "lot",
                "state",
                "expected",
                "paid",
                "fund's reason",
            )
            for s in found:
                out.add_row(
                    str(s.row["id"]),
                    str(s.row["order_no"]),
                    s.lot,
                    s.state,
                    euros(s.expected),
                    "-" if s.amount is None else euros(s.amount),
                    ("%s: %s" % (s.code, s.label) if s.code else s.label) or "-",
                )
            console.print(out)
        console.print(
            "third-party payments: %s expected, %s paid, %s as expected"
            % (euros(report.expected), euros(report.paid), plural(len(report.matched), "sheet"))
        )
    if not report.balanced:
        raise typer.Exit(EXIT_REFUSED)
