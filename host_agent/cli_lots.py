"""tla-agent's commands for what follows the sync: lots (build, seal, send, list, show), the
funds' acknowledgements, status, purge, paper duplicates and the patient's copy (docs/lots.md).

Each error is one plain line on stderr with a non-zero exit code; nothing is half done.
"""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track
from rich.table import Table

from host_agent import (
    acks,
    duplicate,
    files,
    lotfile,
    lots,
    retention,
    sealing,
    sending,
    status,
)
from host_agent.output import EXIT_REFUSED, console, err, fail, line, styled  # noqa: F401
from host_agent.store import Store, StoreError
from host_agent.sync import EXIT_DATABASE
from protocol import bundle, dates

DB_ENV = "TLA_AGENT_DB"
DEFAULT_DB = Path.home() / ".local" / "share" / "tla" / "agent.db"
EXIT_CARD = 3  # the CPS refused (wrong or blocked PIN, no card)
EXIT_SEND = 4  # a transport failed: the lots stay sealed, to be sent again

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="The agent's database (SQLite). Default: $%s, else %s." % (DB_ENV, DEFAULT_DB),
        show_default=False,
    ),
]
TodayOption = Annotated[
    str,
    typer.Option(
        "--today",
        help="Count deadlines and retention as on this day (YYYY-MM-DD) instead of today.",
        show_default=False,
    ),
]


def _store(db: Path, create: bool = False) -> Store:
    """The store at `db`; only the commands that create one (`create`: pair, opposition
    push) make a new file: a mistyped --db creates nothing."""
    if not create and not db.exists():
        fail(
            "no database at %s: check --db or $%s; a new one is created by the first "
            "tla-agent pair" % (db, DB_ENV),
            EXIT_DATABASE,
        )
    try:
        if not db.exists():
            files.private_folder(db.parent)
        return Store(db)
    except OSError as e:
        fail("cannot create the database %s: %s" % (db, e.strerror or e), EXIT_DATABASE)
    except StoreError as e:
        fail(str(e), EXIT_DATABASE)


def _today(text: str) -> int:
    if not text:
        return dates.days_to_ymd(dates.paris_day(int(time.time())))
    try:
        day = dates.days_to_ymd(dates.days_from_civil(*dates.parse_iso(text)))
    except ValueError as e:
        fail("--today: %s" % e)
    if not 20000101 <= day <= 21001231:  # deadlines are counted day by day up to it
        fail("--today: %s is not a day from 2000-01-01 to 2100-12-31" % text)
    return day


def _iso(ymd) -> str:
    return dates.iso(dates.ymd_tuple(ymd)) if ymd else "-"


def _instant(epoch) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "-"


def _euros(cents) -> str:
    return "%d.%02d" % divmod(cents, 100)


def _left(n: int):
    if n < 0:
        return styled("%d overdue" % -n, "red")
    return styled(n, "yellow") if n <= 1 else str(n)


# ---------------------------------------------------------------------- lots

lots_app = typer.Typer(
    help="Group synced sheets into lots per professional and fund, seal them with the "
    "professional's CPS card, send them, and follow them (docs/lots.md).",
    no_args_is_help=True,
)


def _lot_table(rows, title) -> Table:
    table = Table(title=title)
    for column in ("lot", "fund", "status", "sheets", "fees", "third party", "built", "sent"):
        table.add_column(
            column, justify="right" if column in ("sheets", "fees", "third party") else "left"
        )
    for r in rows:
        table.add_row(
            lots.name(r),
            r["fund"],
            r["status"],
            str(r["sheets"]),
            _euros(r["fees"]),
            _euros(r["third_party"]),
            _instant(r["built"]),
            _instant(r["sent"]),
        )
    return table


def _warn_overdue(store, today):
    late = status.overdue(store, today)
    if not late:
        return
    err.print(
        line(
            ("warning:", "yellow"),
            " %d sheet%s past the transmission deadline (R161-47 I 1°): "
            "send %s now, or give a paper duplicate (tla-agent duplicate ID)"
            % (len(late), "s are" if len(late) > 1 else " is", "them" if len(late) > 1 else "it"),
        )
    )
    for w in late:
        err.print(
            "  sheet %d (order no %d, %s) completed %s, deadline %s: %d working day%s late"
            % (
                w.row["id"],
                w.row["order_no"],
                w.row["terminal"],
                _iso(w.row["completion"]),
                _iso(w.deadline),
                -w.left,
                "" if w.left == -1 else "s",
            )
        )


@lots_app.command("build")
def build_lots(
    db: DbOption = DEFAULT_DB,
    today: TodayOption = "",
    despite: Annotated[
        list[int] | None,
        typer.Option(
            "--despite-duplicate",
            min=1,
            max=2**62,
            help="Put this sheet in a lot although its paper duplicate was printed (repeatable; "
            "the lot records it). Without it such a sheet is never sent: billed once.",
        ),
    ] = None,
):
    """Put the sheets waiting for a lot into new lots.

    One lot per professional and fund, at most 999 sheets each, numbered per professional
    (a number is never given twice). A sheet whose paper duplicate was printed stays out.
    Warns about sheets past their deadline."""
    day = _today(today)
    store = _store(db)
    try:
        made = lots.build(store, int(time.time()), despite_duplicate=despite or ())
    except lots.LotError as e:
        fail(str(e))
    if made:
        console.print(_lot_table(made, "new lots"))
        console.print("next: tla-agent lots seal (with the professional's CPS in the reader)")
    else:
        console.print("no sheet waits for a lot")
    _warn_overdue(store, day)


@lots_app.command("list")
def list_lots(
    db: DbOption = DEFAULT_DB,
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--status", help="Only lots in this state (repeatable): %s." % ", ".join(lots.STATUSES)
        ),
    ] = None,
):
    """List the lots, per professional and number."""
    wanted = tuple(state) if state else lots.STATUSES
    unknown = [s for s in wanted if s not in lots.STATUSES]
    if unknown:
        fail("no lot state %s (states: %s)" % (", ".join(unknown), ", ".join(lots.STATUSES)))
    rows = lots.all_lots(_store(db), wanted)
    if not rows:
        console.print("no lot")
        return
    console.print(_lot_table(rows, "lots"))


@lots_app.command("show")
def show_lot(
    lot: Annotated[str, typer.Argument(help="The lot: PROFESSIONAL-NUMBER, or its number.")],
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the sealed lot file here.")
    ] = None,
):
    """Show a lot, its sheets, sending attempts and acknowledgement.

    Its file is checked: header and trailer totals, digest, CPS seal."""
    store = _store(db)
    try:
        row = lots.find(store, lot)
    except lots.LotError as e:
        fail(str(e))
    info = Table(title="lot %s" % lots.name(row), show_header=False)
    info.add_row("status", row["status"])
    info.add_row("fund", row["fund"])
    info.add_row("sheets", str(row["sheets"]))
    info.add_row(
        "fees / third party", "%s / %s" % (_euros(row["fees"]), _euros(row["third_party"]))
    )
    info.add_row(
        "built / sealed / sent", " / ".join(_instant(row[k]) for k in ("built", "sealed", "sent"))
    )
    if row["file"] is not None:
        check = lotfile.verify_lot(row["file"])
        info.add_row(
            "file", "%d bytes, sha256 %s" % (len(row["file"]), bytes(row["file_digest"]).hex())
        )
        info.add_row(
            "check",
            styled("totals, digest and CPS seal verify", "green")
            if check
            else styled(check.reason, "red"),
        )
    if row["purged"]:
        info.add_row("purged", _instant(row["purged"]))
    for a in lots.acks(store, row["id"]):
        info.add_row(
            "fund's acknowledgement",
            "%s on %s%s"
            % (
                "accepted" if a["accepted"] else "rejected",
                _iso(a["day"]),
                ": " + a["reason"] if a["reason"] else "",
            ),
        )
    console.print(info)
    sheets = Table(title="sheets")
    for column in (
        "#",
        "sheet",
        "order no",
        "completion",
        "payment",
        "fees",
        "third party",
        "state",
    ):
        sheets.add_column(column)
    for s in lots.sheets_of(store, row["id"]):
        sheets.add_row(
            str(s["position"]),
            str(s["id"]),
            str(s["order_no"]),
            _iso(s["completion"]),
            "third party" if s["payment"] == 1 else "patient",
            _euros(s["fees"]),
            _euros(s["third_party"]),
            "released (new lot)" if s["released"] else ("purged" if s["purged"] else ""),
        )
    console.print(sheets)
    attempts = lots.sendings(store, row["id"])
    if attempts:
        table = Table(title="sending attempts")
        for column in ("when", "via", "to", "result"):
            table.add_column(column)
        for a in attempts:
            table.add_row(
                _instant(a["at"]),
                a["via"],
                a["destination"],
                "sent" if a["ok"] else styled(a["error"], "red"),
            )
        console.print(table)
    if output is not None:
        if row["file"] is None:
            fail(
                "lot %s has no file to write (%s)"
                % (lots.name(row), "purged" if row["purged"] else "not sealed yet")
            )
        _write(output, bytes(row["file"]))
        console.print("wrote %s" % output)


def _read_pin(from_stdin: bool, tries: int) -> bytearray:
    if from_stdin:
        line = sys.stdin.readline()
        return bytearray(line.strip().encode())
    note = "" if tries >= 3 else " (%d %s left)" % (tries, "try" if tries == 1 else "tries")
    return bytearray(typer.prompt("CPS PIN%s" % note, hide_input=True).strip().encode())


@lots_app.command("seal")
def seal_lots(
    lot: Annotated[
        list[str] | None,
        typer.Argument(
            help="Lots to seal (default: every open lot of the CPS's holder).", show_default=False
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    reader: Annotated[
        str,
        typer.Option(help="The PC/SC reader holding the CPS (default: the first one with a CPS)."),
    ] = "",
    pin_stdin: Annotated[
        bool,
        typer.Option(
            "--pin-stdin", help="Read the PIN from the first line of standard input (for scripts)."
        ),
    ] = False,
):
    """Seal open lots with the professional's CPS card.

    The CPS, in a PC/SC reader, signs each lot file. Its PIN is asked here, hidden, and
    never stored or logged; a wrong PIN says how many tries are left, and the third wrong
    one blocks the card. A CPS of another professional than the lot's is refused."""
    from firmware.cards.errors import PinBlocked
    from hw import hal
    from hw.pcsc import PcscSlot, list_readers

    store = _store(db)
    try:
        readers = [reader] if reader else list_readers()
        app = sealing.find_cps(readers, lambda name: PcscSlot("cps", name))
    except (sealing.SealError, hal.CardError) as e:
        fail(str(e), EXIT_CARD)
    try:
        try:
            chosen, others = sealing.lots_to_seal(store, app, lot or [])
        except (sealing.SealError, lots.LotError) as e:
            fail(str(e))
        if others:
            console.print(
                "%d open lot%s of other professionals wait for their CPS"
                % (len(others), "s" if len(others) > 1 else "")
            )
        if not chosen:
            console.print("no open lot of %s to seal" % sealing.holder(app))
            return
        try:
            tries = app.tries_left()
        except PinBlocked:
            fail(sealing.blocked_message(), EXIT_CARD)
        console.print(
            "CPS of %s: %d lot%s to seal"
            % (sealing.holder(app), len(chosen), "s" if len(chosen) > 1 else "")
        )
        pin = _read_pin(pin_stdin, tries)
        if len(pin) != 4 or not pin.isdigit():
            for i in range(len(pin)):
                pin[i] = 0
            fail("a CPS PIN is 4 digits: nothing was sent to the card")
        try:
            sealing.unlock(app, pin)
        except sealing.SealError as e:
            fail(str(e), EXIT_CARD)
        done = []
        for row in track(chosen, description="sealing", console=err, transient=True):
            try:
                sealing.seal(store, app, row, int(time.time()))
            except (sealing.SealError, lots.LotError, hal.CardError) as e:
                fail(
                    "lot %s: %s (%d lot%s sealed before it)"
                    % (lots.name(row), e, len(done), "" if len(done) == 1 else "s"),
                    EXIT_CARD,
                )
            done.append(row)
        console.print(_lot_table([lots.find(store, lots.name(r)) for r in done], "sealed"))
        console.print("next: tla-agent lots send")
    finally:
        app.forget()


def _settings(db: Path, funds: Path | None) -> sending.Settings:
    try:
        return sending.load_settings(funds if funds is not None else db.parent / "funds.toml")
    except sending.SendError as e:
        fail(str(e))


@lots_app.command("send")
def send_lots(
    lot: Annotated[
        list[str] | None,
        typer.Argument(
            help="Lots to send (default: every sealed lot not sent yet).", show_default=False
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    via: Annotated[
        str,
        typer.Option(
            help="outbox: write each lot into a folder per fund; smtp: e-mail it to the fund."
        ),
    ] = "outbox",
    outbox: Annotated[
        Path | None,
        typer.Option(
            help="The outbox folder (default: 'outbox' beside the database).", show_default=False
        ),
    ] = None,
    funds: Annotated[
        Path | None,
        typer.Option(
            help="Funds settings (TOML: \\[smtp] and \\[funds.CODE] name, email; default: "
            "'funds.toml' beside the database). The SMTP password comes from $%s."
            % sending.PASSWORD_ENV,
            show_default=False,
        ),
    ] = None,
    tries: Annotated[
        int, typer.Option(min=1, max=10, help="Tries per lot before giving up until the next run.")
    ] = 1,
):
    """Send sealed lots to their funds, one file or e-mail per lot.

    A lot that fails stays sealed and is tried again by the next `lots send`; a lot already
    sent is never sent again (the funds reject duplicates)."""
    store = _store(db)
    if via == "outbox":
        transport: sending.Transport = sending.Outbox(
            outbox if outbox is not None else db.parent / "outbox"
        )
    elif via == "smtp":
        try:
            transport = _settings(db, funds).smtp_transport()
        except sending.SendError as e:
            fail(str(e))
    else:
        fail("--via is outbox or smtp, not %r" % via)
    try:
        chosen = (
            [lots.find(store, ref) for ref in lot] if lot else lots.all_lots(store, (lots.SEALED,))
        )
    except lots.LotError as e:
        fail(str(e))
    if lot:
        for row in chosen:
            reason = sending.refusal(row)
            if reason:
                fail(reason)
    if not chosen:
        console.print("no sealed lot waits to be sent")
        return
    failed = 0
    for row in track(chosen, description="sending", console=err, transient=True):
        try:
            where = sending.send_with_retries(store, transport, row, tries=tries)
            console.print("lot %s sent to %s" % (lots.name(row), where))
        except sending.SendError as e:
            failed += 1
            err.print(
                line(
                    ("lot %s not sent:" % lots.name(row), "red"),
                    " %s (it stays sealed: run tla-agent lots send again)" % e,
                )
            )
    if failed:
        raise typer.Exit(EXIT_SEND)


# ---------------------------------------------------------------------- acknowledgements

acks_app = typer.Typer(
    help="The funds' acknowledgements of lots (docs/lots.md).", no_args_is_help=True
)


@acks_app.command("import")
def import_acks(
    file: Annotated[Path, typer.Argument(help="An acknowledgement file (JSON, format tla-ack/1).")],
    db: DbOption = DEFAULT_DB,
):
    """Import a fund's acknowledgement file (JSON, docs/lots.md).

    An accepted lot is closed; a rejected lot's sheets go into a new lot (to seal and send
    again), and the fund's reason is shown. A malformed file or an unknown lot changes
    nothing."""
    store = _store(db)
    try:
        outcome = acks.apply(store, file, int(time.time()))
    except acks.AckError as e:
        fail(str(e))
    for a in outcome.acks:
        name = lots.name(a.lot)
        if a.already:
            console.print(
                "lot %s: already recorded as %s" % (name, "accepted" if a.accepted else "rejected")
            )
        elif a.accepted:
            console.print(
                "lot %s accepted by fund %s on %s: closed" % (name, a.lot["fund"], _iso(a.day))
            )
        else:
            console.print(
                line(
                    ("lot %s rejected" % name, "yellow"),
                    " by fund %s on %s: %s" % (a.lot["fund"], _iso(a.day), a.reason),
                )
            )
    for row in outcome.new_lots:
        console.print(
            "its sheets are in the new lot %s (%d sheets): seal and send it"
            % (lots.name(row), row["sheets"])
        )
    if outcome.build_problem:
        fail(
            "the rejected sheets are free again, but no new lot was built: %s"
            % outcome.build_problem
        )


# ---------------------------------------------------------------------- status, purge


def show_status(db: DbOption = DEFAULT_DB, today: TodayOption = ""):
    """Show what waits: terminals, and sheets by time left before their deadline.

    Per terminal, the last sync and the sheets not transmitted yet; then every sheet not
    transmitted, by working days left before its deadline, overdue first (R161-47 I 1°:
    3 working days when the patient paid, 8 with third-party payment)."""
    day = _today(today)
    store = _store(db)
    terms = Table(title="terminals")
    rows = status.terminals(store)
    # The sync notes how many sheets a terminal still held (not synced) at its last sync.
    held = bool(rows) and "pending" in rows[0].keys()
    for column in ("terminal", "last sync", "sheets filed, not transmitted"):
        terms.add_column(column)
    if held:
        terms.add_column("left on the terminal at last sync")
    for t in rows:
        cells = [t["serial"], _instant(t["last_sync"]) if t["last_sync"] else "never"]
        cells.append(str(t["waiting"]))
        if held:
            cells.append("-" if t["pending"] is None else str(t["pending"]))
        terms.add_row(*cells)
    console.print(terms)
    waiting = status.waiting(store, day)
    if not waiting:
        console.print("every sheet was transmitted")
        return
    table = Table(title="sheets not transmitted, on %s" % _iso(day))
    for column in (
        "sheet",
        "terminal",
        "order no",
        "fund",
        "completed",
        "payment",
        "deadline",
        "working days left",
        "lot",
    ):
        table.add_column(column)
    for w in waiting:
        r = w.row
        table.add_row(
            str(r["id"]),
            r["terminal"],
            str(r["order_no"]),
            r["fund"],
            _iso(r["completion"]),
            "third party" if r["payment"] == 1 else "patient",
            _iso(w.deadline),
            _left(w.left),
            "%s (%s)" % (w.lot_name, w.lot_status) if w.lot_name else "-",
        )
    console.print(table)


def purge_doubles(
    db: DbOption = DEFAULT_DB,
    today: TodayOption = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go, remove nothing.")
    ] = False,
):
    """Remove electronic doubles kept 90 days past transmission and acknowledged.

    Removes the signed sheets, lot files and patients' NIRs of lots the funds acknowledged,
    once 90 days have passed since their transmission (R161-47 I 1°); keeps everything
    else and says what it kept and why. Order numbers, dates and amounts stay (a sheet is
    an invoice, R161-49)."""
    day = _today(today)
    store = _store(db)
    plan = retention.plan(store, day) if dry_run else retention.purge(store, day, int(time.time()))
    verb = "would remove" if dry_run else "removed"
    console.print(
        "%s the electronic doubles of %d sheet%s in %d lot%s%s"
        % (
            verb,
            plan.sheets,
            "" if plan.sheets == 1 else "s",
            len(plan.lots),
            "" if len(plan.lots) == 1 else "s",
            (": " + ", ".join(lots.name(r) for r in plan.lots)) if plan.lots else "",
        )
    )
    for reason, n in plan.kept:
        console.print("kept %d sheet%s: %s" % (n, "" if n == 1 else "s", reason))


# ---------------------------------------------------------------------- paper


def _sheet_row(store, sheet_id):
    row = store.sheet_row(sheet_id)
    if row is None:
        fail("there is no sheet %d (see tla-agent status)" % sheet_id)
    if row["purged"]:
        fail(
            "the electronic double of sheet %d was purged on %s (90 days after transmission)"
            % (sheet_id, _instant(row["purged"]))
        )
    return row


def _facts(store, row, db: Path, reason="") -> duplicate.Facts:
    signed = bundle.decode(row["bundle"])
    certs = store.certificates()
    lot = store.db.execute(
        "SELECT l.* FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = ? AND ls.released IS NULL",
        (row["id"],),
    ).fetchone()
    try:
        fund_name = sending.load_settings(db.parent / "funds.toml").fund_name(row["fund"])
    except sending.SendError:
        fund_name = ""
    return duplicate.Facts(
        professional_name=duplicate.holder_name(certs.get(bytes(signed.cps_cert))),
        insured_name=duplicate.holder_name(certs.get(bytes(signed.vitale_cert or b""))),
        fund_name=fund_name,
        lot=lots.name(lot) if lot else "",
        reason=reason,
        transmitted=lots.transmitted(store, row["id"]),
    )


def _write(path: Path, data: bytes):
    try:
        files.write_private(path, data)  # 0600 in 0700 folders: health data
    except OSError as e:
        fail("cannot write %s: %s" % (path, e.strerror or e))


def print_duplicate(
    sheet_id: Annotated[
        int, typer.Argument(help="The sheet's id (see tla-agent status).", min=1, max=2**62)
    ],
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The PDF to write (default: duplicata-ID.pdf here)."),
    ] = None,
    reason: Annotated[
        str, typer.Option(help="Why the sheet could not be transmitted (printed on it, in French).")
    ] = "",
):
    """Write a sheet's paper duplicate: a PDF marked DUPLICATA.

    For the patient or the fund when the electronic transmission failed (R161-47 I): every
    item of R161-42, in plain French. The professional signs it by hand."""
    store = _store(db)
    row = _sheet_row(store, sheet_id)
    pdf = duplicate.render(row["bundle"], _facts(store, row, db, reason), duplicate.DUPLICATE)
    path = output or Path("duplicata-%d.pdf" % sheet_id)
    _write(path, pdf)
    left = lots.record_duplicate(store, sheet_id, int(time.time()), reason)  # never in a lot
    if left:
        console.print(
            "sheet %d left the open lot %s: it is not sent electronically" % (sheet_id, left)
        )
    console.print("wrote %s (sheet %d, order no %d)" % (path, sheet_id, row["order_no"]))


def export_sheet(
    sheet_id: Annotated[
        int, typer.Argument(help="The sheet's id (see tla-agent status).", min=1, max=2**62)
    ],
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write (default: copie-ID.pdf or sheet-ID.tla here)."
        ),
    ] = None,
    signed: Annotated[
        bool,
        typer.Option(
            "--signed",
            help="Write the sheet's exact signed bytes (bundle) instead of a readable PDF.",
        ),
    ] = False,
):
    """Give the patient a copy of a transmitted sheet (R161-47 I).

    A PDF marked COPIE, or with --signed the sheet's exact signed bytes as transmitted."""
    store = _store(db)
    row = _sheet_row(store, sheet_id)
    if signed:
        data, path = bytes(row["bundle"]), output or Path("sheet-%d.tla" % sheet_id)
    else:
        data = duplicate.render(row["bundle"], _facts(store, row, db), duplicate.COPY)
        path = output or Path("copie-%d.pdf" % sheet_id)
    _write(path, data)
    console.print("wrote %s (sheet %d, order no %d)" % (path, sheet_id, row["order_no"]))


def register(app: typer.Typer, sheets: typer.Typer) -> None:
    """Add these commands to tla-agent's `app`, and `export` to its `sheets` group."""
    app.add_typer(lots_app, name="lots")
    app.add_typer(acks_app, name="acks")
    app.command("status")(show_status)
    app.command("purge")(purge_doubles)
    app.command("duplicate")(print_duplicate)
    sheets.command("export")(export_sheet)
