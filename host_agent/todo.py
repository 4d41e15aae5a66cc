"""The practice's to-do, for the home page: what waits on whom today, the most urgent first,
each with the page where it is done. Read from the store only (nothing is changed):

- sheets past their transmission deadline, and those due by the next working day
  (R161-47 I 1°: 3 working days when the patient paid, 8 with third-party payment);
- sheets to put in a lot, lots to seal with a CPS, lots to send;
- sheets rejected by their fund (each needs a decision: a corrected sheet, a paper
  duplicate, the patient billed), third-party claims not paid yet and paid short;
- sheets in quarantine (refused at the sync: to look at);
- terminals not unloaded for a week or never.
"""

from host_agent import french, lots, returns_report, status
from protocol import dates

STALE_TERMINAL_S = 7 * 86400  # a terminal a week without unloading: its sheets near their end
CLAIM_AGE_DAYS = 30  # a third-party claim older than this is worth a reminder to its fund
REJECTION_DAYS = 14  # a lot rejected in the last fortnight: its reason still to be read


class Task:
    """One line of the to-do: `sentence` (French), `link` (a page of the app), `urgent`."""

    def __init__(self, sentence, link, urgent=False):
        self.sentence = sentence
        self.link = link
        self.urgent = urgent

    def __repr__(self):
        return "Task(%r, %r, %r)" % (self.sentence, self.link, self.urgent)


def tasks(store, today: int, now: int) -> list:
    """The to-do on `today` (YYYYMMDD) at `now` (epoch): urgent tasks first, then the rest
    in the order of the day's work (lot, seal, send, returns)."""
    out = _deadlines(status.waiting(store, today))
    every_lot = lots.all_lots(store)
    out += _lots(every_lot)
    out += _rejected_lots(store, [r for r in every_lot if r["status"] == lots.REJECTED], today)
    out += _returns(returns_report.reconcile(store, open_only=True), today)
    quarantined = len(store.quarantined())
    if quarantined:
        out.append(
            Task(
                "%s refusée%s à la synchronisation, en quarantaine : à examiner."
                % (french.plural(quarantined, "feuille"), "s" if quarantined > 1 else ""),
                "/quarantaine",
            )
        )
    out += _terminals(status.terminals(store), now)
    return sorted(out, key=lambda t: not t.urgent)  # stable: the order above within each


def _deadlines(waiting) -> list:
    out = []
    late = [w for w in waiting if w.left < 0]
    soon = [w for w in waiting if 0 <= w.left <= 1]
    free = [w for w in waiting if w.lot_status is None]
    if late:
        out.append(
            Task(
                "%s %s dépassé %s délai de transmission : à envoyer sans attendre."
                % (
                    french.plural(len(late), "feuille"),
                    "a" if len(late) == 1 else "ont",
                    "son" if len(late) == 1 else "leur",
                ),
                "/feuilles",
                urgent=True,
            )
        )
    if soon:
        out.append(
            Task(
                "%s à transmettre aujourd'hui ou au prochain jour ouvré."
                % french.plural(len(soon), "feuille"),
                "/feuilles",
                urgent=True,
            )
        )
    if free:
        out.append(
            Task(
                "%s à mettre en lot." % french.plural(len(free), "feuille"),
                "/lots",
            )
        )
    return out


def _lots(every_lot) -> list:
    by_status = {}
    for row in every_lot:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    out = []
    if by_status.get(lots.OPEN):
        n = by_status[lots.OPEN]
        out.append(
            Task(
                "%s à sceller avec la carte CPS du professionnel."
                % french.plural(n, "lot ouvert", "lots ouverts"),
                "/lots",
            )
        )
    if by_status.get(lots.SEALED):
        n = by_status[lots.SEALED]
        out.append(
            Task(
                "%s à envoyer aux caisses." % french.plural(n, "lot scellé", "lots scellés"),
                "/lots",
            )
        )
    return out


def _rejected_lots(store, rejected, today: int) -> list:
    """Lots their fund rejected lately: their sheets were put back into new lots (acks.py),
    but the reason ("NIR inconnu") may ask for a corrected sheet before those are sealed."""
    out = []
    for row in rejected:
        said = [a for a in lots.acks(store, row["id"]) if not a["accepted"]]
        if not said:
            continue
        last = said[-1]
        if dates.ymd_to_days(today) - dates.ymd_to_days(last["day"]) > REJECTION_DAYS:
            continue
        out.append(
            Task(
                "Lot %s rejeté par sa caisse le %s : %s. Ses feuilles sont remises dans un "
                "nouveau lot : corriger ce qui doit l'être avant de le sceller."
                % (lots.name(row), french.date(last["day"]), last["reason"] or "sans motif"),
                "/lots/%s" % lots.name(row),
                urgent=True,
            )
        )
    return out


def _returns(reconciliation, today: int) -> list:
    out = []
    rejected = [s for s in reconciliation.states if s.state == returns_report.REJECTED]
    if rejected:
        out.append(
            Task(
                "%s par %s caisse : pour chacune, une feuille corrigée, un duplicata papier "
                "ou le patient à facturer."
                % (
                    french.plural(len(rejected), "feuille rejetée", "feuilles rejetées"),
                    "sa" if len(rejected) == 1 else "leur",
                ),
                "/retours",
                urgent=True,
            )
        )
    if reconciliation.differences:
        n = len(reconciliation.differences)
        out.append(
            Task(
                "%s payée%s d'un autre montant que celui attendu : à vérifier."
                % (french.plural(n, "feuille"), "s" if n > 1 else ""),
                "/retours",
            )
        )
    waiting = reconciliation.waiting
    if waiting:
        owed = sum(s.expected for s in waiting)
        old = [s for s in waiting if s.days_since_sent(today) > CLAIM_AGE_DAYS]
        sentence = "%s en tiers payant non payée%s par les caisses : %s attendus" % (
            french.plural(len(waiting), "feuille"),
            "s" if len(waiting) > 1 else "",
            french.euros(owed),
        )
        if old:
            sentence += ", dont %d envoyée%s il y a plus de %d jours" % (
                len(old),
                "s" if len(old) > 1 else "",
                CLAIM_AGE_DAYS,
            )
        out.append(Task(sentence + ".", "/retours"))
    return out


def _terminals(rows, now: int) -> list:
    out = []
    for t in rows:
        last = t["last_sync"]
        if last and now - last < STALE_TERMINAL_S:
            continue
        if last:
            days = (now - last) // 86400
            sentence = "Le terminal %s n'a pas été déchargé depuis %d jours." % (t["serial"], days)
        else:
            sentence = "Le terminal %s n'a jamais été déchargé sur ce PC." % t["serial"]
        out.append(Task(sentence, "/", urgent=bool(t["waiting"])))
    return out
