"""`tla-agent round`: the day's round (docs/round.md). Keep the prescriptions a professional
carries out (`round prescription`), prepare a terminal's round for a day (`round prepare`:
the next sync sends it), and see the series, their sessions used and the rounds (`round
show`). The patients' names and NIRs stay in the agent's database (0600)."""

from typing import Annotated

import typer

from host_agent import round_plan
from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    console,
    fail,
    iso,
    open_store,
    plural,
    today,
)
from protocol import round as rp

round_app = typer.Typer(
    help=__doc__, no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]}
)

Pro = Annotated[str, typer.Option("--professional", help="The CPS holder id (11 digits).")]
Serial = Annotated[
    str, typer.Option("--terminal", help="The terminal's serial (tla-agent status).")
]


@round_app.command("prescription")
def add_prescription(
    professional: Pro,
    insured: Annotated[str, typer.Option(help="The insured's NIR with its key (15 digits).")],
    name: Annotated[str, typer.Option(help="The patient, as the terminal shows it.")],
    prescriber: Annotated[str, typer.Option(help="The prescriber's id (9 or 11 digits).")],
    date: Annotated[str, typer.Option(help="The prescription's date (YYYY-MM-DD).")],
    ref: Annotated[str, typer.Option(help="The prescription's reference (digits).")],
    acts: Annotated[
        str, typer.Option(help="The acts of a visit: 'AMI 2 1 + IFD' (code, coefficient, rank).")
    ],
    sessions: Annotated[int, typer.Option(help="Sessions prescribed.", min=1, max=999)],
    dependant: Annotated[
        str, typer.Option(help="For a dependant: BIRTHDATE/BIRTHRANK, e.g. 20180305/2.")
    ] = "",
    db: DbOption = DEFAULT_DB,
):
    """Keep a prescription: the round offers its visits until its sessions are used."""
    store = open_store(db)
    try:
        row = round_plan.new_prescription(
            professional, insured, dependant, name, prescriber, today(date), ref, acts, sessions
        )
        pid, used = round_plan.keep_prescription(store, row)
    except ValueError as e:
        fail(str(e))
    console.print(
        "prescription %d kept: %s, %s, %d sessions (%d used)"
        % (pid, row["name"], round_plan.show_acts(row["acts"]), sessions, used)
    )


@round_app.command("prepare")
def prepare_round(
    terminal: Serial,
    professional: Pro,
    day: Annotated[str, typer.Option(help="The round's day (YYYY-MM-DD). Default: today.")] = "",
    only: Annotated[
        list[str] | None, typer.Option(help="Only this insured's prescriptions (NIR); repeat.")
    ] = None,
    db: DbOption = DEFAULT_DB,
):
    """Prepare the terminal's round for a day from the prescriptions with sessions left and
    the patients' earlier sheets; the next sync sends it (it replaces the terminal's)."""
    store = open_store(db)
    ymd = today(day)
    try:
        rid, plan = round_plan.prepare_for(store, terminal, professional, ymd, tuple(only or ()))
    except ValueError as e:
        fail(str(e))
    for p, why in plan.refused:
        console.print(
            "prescription %s of %s: %s, left out: keep it again with the right NIR"
            % (p["ref"], p["name"], why)
        )
    for p, used in plan.complete:
        console.print(
            "prescription %s of %s: series complete (%d of %s), left out"
            % (p["ref"], p["name"], used, plural(p["sessions"], "session"))
        )
    console.print(
        "round %d for terminal %s on %s: %s, sent at the next sync"
        % (rid, terminal, iso(ymd), plural(len(plan.entries), "visit"))
    )
    for i, e in enumerate(plan.entries):
        fund = rp.fund_of(e)
        known = "fund %s" % fund if fund else "no fund known: typed on a visit without the card"
        console.print("  %2d %-24s %s, %d left, %s" % (i + 1, e[2], _acts(e[4]), e[6], known))


def _acts(acts) -> str:
    return " + ".join("%s %d,%02d" % (a[0], a[1] // 100, a[1] % 100) for a in acts)


@round_app.command("show")
def show_rounds(
    terminal: Annotated[str, typer.Option("--terminal", help="Its rounds too.")] = "",
    db: DbOption = DEFAULT_DB,
):
    """The prescriptions with their sessions used (complete or not), and a terminal's rounds
    with the visits done that it counted back."""
    store = open_store(db)
    for p, used in round_plan.series(store):
        state = "complete" if used >= p["sessions"] else "%d left" % (p["sessions"] - used)
        console.print(
            "prescription %d %s %s ref %s: %d of %d sessions used, %s"
            % (p["id"], p["name"], round_plan.show_acts(p["acts"]), p["ref"], used,
               p["sessions"], state)
        )  # fmt: skip
    if not terminal:
        return
    try:
        found = round_plan.rounds_of(store, terminal)
    except ValueError as e:
        fail(str(e))
    for r, count, done in found:
        sent = "sent" if r["sent"] else "not sent yet"
        console.print(
            "round %d on %s: %s, %s, %d done"
            % (r["id"], iso(r["day"]), plural(count, "visit"), sent, done)
        )
