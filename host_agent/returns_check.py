"""The checks of a return file against the store (host_agent/returns.py applies it): each
answer made an object, every fault one ReturnError in English and French, before anything
is written (docs/returns.md)."""

import re

from host_agent import lotfile, lots, money, retention
from host_agent.errors import EXIT_REFUSED, AgentError
from protocol import dates

FORMAT, ACK_FORMAT = "tla-return/1", "tla-ack/1"
ACCEPTED, REJECTED, PAID = "accepted", "rejected", "paid"
RECEIVED = "received"
MAX_FILE_BYTES = 1024 * 1024  # a fund's return covers a few lots; never read /dev/zero
MAX_TEXT = 1000  # characters of a fund's label kept and shown
MAX_AMOUNT = 10_000_000  # cents: no sheet of home visits is paid 100,000 euros
_LOT_NAME = re.compile(r"^[0-9]{11}-[0-9]{6}$")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class ReturnError(AgentError):
    """The return is refused, nothing changed: one English line (str) and the French one."""

    exit_code = EXIT_REFUSED

    def __init__(self, english: str, french: str = "", exit_code: int | None = None):
        # Without a French sentence the page says the French default, never the English.
        super().__init__(english, exit_code, french or None)


class LotAnswer:
    """The fund's ARL on a lot: received or rejected, its day, code and label."""

    def __init__(self, lot, received, day, code, label):
        self.lot, self.received, self.day, self.code, self.label = lot, received, day, code, label
        self.already = False  # the same answer was recorded before

    @property
    def reason(self) -> str:
        return ("%s: %s" % (self.code, self.label) if self.code else self.label) or ""


class SheetAnswer:
    """The fund's answer on one sheet of a lot: accepted, rejected or paid."""

    def __init__(self, sheet, lot, result, day, code="", label="", amount=None):
        self.sheet, self.lot, self.result, self.day = sheet, lot, result, day
        self.code, self.label, self.amount = code, label, amount
        self.already = False


class Outcome:
    """What an import did: the answers, the new lots built for the sheets of rejected lots
    (or why none could be built), and whether the file brought anything new."""

    def __init__(self, fund, lot_answers, sheet_answers):
        self.fund = fund
        self.lots = lot_answers
        self.sheets = sheet_answers
        self.new_lots = []
        self.build_problem = ""

    @property
    def changed(self) -> bool:
        return any(not a.already for a in self.lots + self.sheets)


def check(store, data, where: str) -> Outcome:
    """Every answer of the file's JSON `data`, checked against the store. ReturnError."""
    if isinstance(data, dict) and data.get("format") == ACK_FORMAT:
        data = _from_ack(data)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReturnError(
            '%s is not a return file (no "format": "%s")' % (where, FORMAT),
            '%s n\'est pas un retour de caisse (pas de "format": "%s")' % (where, FORMAT),
        )
    fields = {"format", "fund", "date", "reference", "lots", "sheets"}
    _only(data, fields, where)
    fund = data.get("fund")
    if not lotfile.is_fund_code(fund):
        raise ReturnError(
            "%s: the fund must be its 9-digit code, not %r" % (where, fund),
            "%s : la caisse doit être son code à 9 chiffres, et non %r" % (where, fund),
        )
    lot_items, sheet_items = data.get("lots", []), data.get("sheets", [])
    if not isinstance(lot_items, list) or not isinstance(sheet_items, list):
        raise ReturnError(
            '%s: "lots" and "sheets" must be lists' % where,
            '%s : "lots" et "sheets" doivent être des listes' % where,
        )
    if not lot_items and not sheet_items:
        raise ReturnError(
            "%s answers nothing: no lot and no sheet" % where,
            "%s ne répond sur rien : ni lot ni feuille" % where,
        )
    outcome = Outcome(fund, [], [])
    decided = {}  # lot id -> received (True) or rejected (False), by this file
    for i, item in enumerate(lot_items, 1):
        a = _lot_answer(store, item, fund, "%s, lot %d" % (where, i))
        if a.lot["id"] in decided:
            raise _no(
                "%s, lot %d: lot %s twice" % (where, i, lots.name(a.lot)),
                "%s, lot %d : le lot %s deux fois" % (where, i, lots.name(a.lot)),
            )
        decided[a.lot["id"]] = a.received
        outcome.lots.append(a)
    seen = set()
    for i, item in enumerate(sheet_items, 1):
        a = _sheet_answer(store, item, fund, decided, "%s, sheet %d" % (where, i))
        key = (a.lot["id"], a.sheet["id"])
        if key in seen:
            raise _no(
                "%s, sheet %d: sheet %d twice" % (where, i, a.sheet["order_no"]),
                "%s, feuille %d : la feuille n° %d deux fois" % (where, i, a.sheet["order_no"]),
            )
        seen.add(key)
        outcome.sheets.append(a)
    return outcome


def _no(english, french) -> ReturnError:
    # `where` ("FILE, sheet 3") is written once, in English; the French line names it too.
    return ReturnError(english, french.replace(", sheet ", ", feuille "))


def _only(item, fields, where):
    unknown = set(item) - fields
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise _no(
            "%s has unknown fields: %s" % (where, names),
            "%s a des champs inconnus : %s" % (where, names),
        )


def _from_ack(data):
    """A tla-ack/1 file as the tla-return/1 it means (docs/lots.md): lots only."""
    items = data.get("acks")
    if not isinstance(items, list) or not items:
        raise _no(
            '"acks" must be a list of one acknowledgement or more',
            '"acks" doit être une liste d\'un accusé de réception ou plus',
        )
    out = []
    for item in items:
        if not isinstance(item, dict):
            out.append(item)
            continue
        _only(item, {"lot", "result", "date", "reason", "sha256"}, "an acknowledgement")
        result = item.get("result")
        arl = RECEIVED if result == ACCEPTED else result  # "rejected" is the same word
        entry = {k: v for k, v in item.items() if k in ("lot", "date", "sha256")}
        entry["arl"] = arl
        if "reason" in item:
            entry["label"] = item["reason"]
        out.append(entry)
    return {"format": FORMAT, "fund": data.get("fund"), "lots": out}


def fund_day(item, where, after=None) -> int:
    text = item.get("date")
    try:
        day = dates.parse_iso(text if isinstance(text, str) else "")
    except ValueError:
        raise _no(
            "%s: the date must be YYYY-MM-DD, not %r" % (where, text),
            "%s : la date doit s'écrire AAAA-MM-JJ, et non %r" % (where, text),
        ) from None
    ymd = dates.days_to_ymd(dates.days_from_civil(*day))  # as workspace.today
    if after is not None and ymd < after:
        raise _no(
            "%s: the fund's date %s is before the lot was sent (%s)"
            % (where, text, dates.iso(dates.ymd_tuple(after))),
            "%s : la date de la caisse %s précède l'envoi du lot (%s)"
            % (where, text, dates.french(dates.ymd_tuple(after))),
        )
    return ymd


def _reason(item, where, required):
    code, label = item.get("code", ""), item.get("label", "")
    if not isinstance(code, str) or (code and not _CODE.match(code)):
        raise _no(
            "%s: the code must be letters and digits, at most 16, not %r" % (where, code),
            "%s : le code doit être des lettres et chiffres, 16 au plus, et non %r" % (where, code),
        )
    if not isinstance(label, str) or len(label) > MAX_TEXT:
        raise _no(
            "%s: the label must be text of at most %d characters" % (where, MAX_TEXT),
            "%s : le libellé doit être un texte de %d caractères au plus" % (where, MAX_TEXT),
        )
    if required and not label.strip():
        raise _no(
            "%s: a rejection says why (label)" % where, "%s : un rejet dit pourquoi (label)" % where
        )
    return code, " ".join(label.split())


def _find_lot(store, item, fund, where):
    name = item.get("lot")
    if not isinstance(name, str) or not _LOT_NAME.match(name):
        raise _no(
            "%s: the lot must be named PROFESSIONAL-NUMBER, not %r" % (where, name),
            "%s : le lot se nomme PROFESSIONNEL-NUMÉRO, et non %r" % (where, name),
        )
    try:
        lot = lots.find(store, name)
    except lots.LotError:
        raise _no(
            "%s: there is no lot %s here" % (where, name),
            "%s : il n'y a pas de lot %s ici" % (where, name),
        ) from None
    if lot["fund"] != fund:
        raise _no(
            "%s: lot %s went to fund %s, not %s" % (where, name, lot["fund"], fund),
            "%s : le lot %s est allé à la caisse %s, non à %s" % (where, name, lot["fund"], fund),
        )
    if lot["status"] in (lots.OPEN, lots.SEALED):
        raise _no(
            "%s: lot %s was never sent (it is %s)" % (where, name, lot["status"]),
            "%s : le lot %s n'a jamais été envoyé" % (where, name),
        )
    return lot


def _lot_answer(store, item, fund, where) -> LotAnswer:
    if not isinstance(item, dict):
        raise _no("%s is not an object" % where, "%s n'est pas un objet" % where)
    _only(item, {"lot", "arl", "date", "code", "label", "sha256"}, where)
    lot = _find_lot(store, item, fund, where)
    name = lots.name(lot)
    arl = item.get("arl")
    if arl not in (RECEIVED, REJECTED):
        raise _no(
            '%s: "arl" must be "received" or "rejected", not %r' % (where, arl),
            '%s : "arl" doit être "received" ou "rejected", et non %r' % (where, arl),
        )
    day = fund_day(item, where, retention.sent_day(lot))
    code, label = _reason(item, where, arl == REJECTED)
    digest = item.get("sha256")
    if digest is not None and (
        not isinstance(digest, str)
        or not _HEX64.match(digest)
        or lot["file_digest"] is None
        or digest.lower() != bytes(lot["file_digest"]).hex()
    ):
        raise _no(
            "%s: the file answered is not lot %s as sent (sha256)" % (where, name),
            "%s : le fichier visé n'est pas le lot %s tel qu'envoyé (sha256)" % (where, name),
        )
    a = LotAnswer(lot, arl == RECEIVED, day, code, label)
    wanted = lots.ACKNOWLEDGED if a.received else lots.REJECTED
    if lot["status"] == wanted:
        a.already = True
    elif lot["status"] != lots.SENT:
        said = {lots.ACKNOWLEDGED: "received", lots.REJECTED: "rejected"}[lot["status"]]
        dit = {lots.ACKNOWLEDGED: "reçu", lots.REJECTED: "rejeté"}[lot["status"]]
        raise _no(
            "%s: lot %s was already %s by its fund; this return says %s" % (where, name, said, arl),
            "%s : le lot %s a déjà été %s par sa caisse ; ce retour dit %s"
            % (where, name, dit, "reçu" if a.received else "rejeté"),
        )
    elif not a.received and store.lot_answers(lot["id"]):
        raise _no(
            "%s: lot %s has sheets answered already; it cannot be rejected now" % (where, name),
            "%s : des feuilles du lot %s ont déjà une réponse ; il ne peut plus être rejeté"
            % (where, name),
        )
    return a


# What may follow what on one sheet: None is "nothing recorded yet".
_FRENCH = {ACCEPTED: "acceptée", REJECTED: "rejetée", PAID: "payée"}


def _sheet_answer(store, item, fund, decided, where) -> SheetAnswer:
    if not isinstance(item, dict):
        raise _no("%s is not an object" % where, "%s n'est pas un objet" % where)
    _only(item, {"lot", "order_no", "sha256", "result", "date", "code", "label", "amount"}, where)
    lot = _find_lot(store, item, fund, where)
    name = lots.name(lot)
    if lot["status"] == lots.REJECTED or decided.get(lot["id"]) is False:
        raise _no(
            "%s: lot %s was rejected by its fund, so it has no sheet to answer" % (where, name),
            "%s : le lot %s a été rejeté par sa caisse : aucune de ses feuilles n'a de réponse"
            % (where, name),
        )
    sheet = _find_sheet(store, item, lot, where)
    result = item.get("result")
    if result not in (ACCEPTED, REJECTED, PAID):
        raise _no(
            '%s: "result" must be "accepted", "rejected" or "paid", not %r' % (where, result),
            '%s : "result" doit être "accepted", "rejected" ou "paid", et non %r' % (where, result),
        )
    day = fund_day(item, where, retention.sent_day(lot))
    code, label = _reason(item, where, result == REJECTED)
    amount = item.get("amount")
    if result == PAID:
        if type(amount) is not int or not 0 <= amount <= MAX_AMOUNT:
            raise _no(
                "%s: a payment's amount is whole cents (1650 for 16,50 EUR), not %r"
                % (where, amount),
                "%s : le montant payé s'écrit en centimes (1650 pour 16,50 €), et non %r"
                % (where, amount),
            )
    elif amount is not None:
        raise _no(
            "%s: only a payment has an amount" % where, "%s : seul un paiement a un montant" % where
        )
    a = SheetAnswer(sheet, lot, result, day, code, label, amount)
    before = store.sheet_answers(sheet["id"], lot["id"])
    last = before[-1] if before else None
    if last is None:
        return a
    same = (last["result"], last["day"], last["code"] or "", last["amount"]) == (
        result,
        day,
        code,
        amount,
    )
    if same or (result == ACCEPTED and last["result"] == PAID):
        a.already = True  # the same news again, or an acceptance heard after the payment
        return a
    if result == PAID and last["result"] == ACCEPTED:
        return a
    was, now = _said(last["result"], last["amount"]), _said(result, amount)
    raise _no(
        "%s: sheet %d of lot %s was already %s on %s; this return says %s"
        % (where, sheet["order_no"], name, was[0], dates.iso(dates.ymd_tuple(last["day"])), now[0]),
        "%s : la feuille n° %d du lot %s a déjà été %s le %s ; ce retour dit %s"
        % (
            where,
            sheet["order_no"],
            name,
            was[1],
            dates.french(dates.ymd_tuple(last["day"])),
            now[1],
        ),
    )


def _said(result, amount):
    """(English, French) of an answer, with its amount when paid."""
    if result != PAID:
        return result, _FRENCH[result]
    return "paid %s" % money.eur(amount), "payée %s €" % money.decimal(amount)


def _find_sheet(store, item, lot, where):
    order_no, digest = item.get("order_no"), item.get("sha256")
    if type(order_no) is not int or order_no < 0:
        raise _no(
            "%s: order_no must be the sheet's order number, not %r" % (where, order_no),
            "%s : order_no doit être le numéro d'ordre de la feuille, et non %r"
            % (where, order_no),
        )
    if digest is not None and (not isinstance(digest, str) or not _HEX64.match(digest)):
        raise _no(
            "%s: sha256 must be the sheet's SHA-256 in hex" % where,
            "%s : sha256 doit être le SHA-256 de la feuille en hexadécimal" % where,
        )
    found = [s for s in store.lot_members(lot["id"]) if s["order_no"] == order_no]
    if digest is not None:
        found = [s for s in found if bytes(s["digest"]).hex() == digest.lower()]
    if not found:
        raise _no(
            "%s: lot %s has no sheet with order no %d" % (where, lots.name(lot), order_no),
            "%s : le lot %s n'a pas de feuille n° %d" % (where, lots.name(lot), order_no),
        )
    if len(found) > 1:  # two terminals of one professional: the digest tells them apart
        raise _no(
            "%s: lot %s has several sheets with order no %d: give its sha256"
            % (where, lots.name(lot), order_no),
            "%s : le lot %s a plusieurs feuilles n° %d : donnez son sha256"
            % (where, lots.name(lot), order_no),
        )
    return found[0]
