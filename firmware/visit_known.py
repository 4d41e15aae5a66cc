# pyright: reportAttributeAccessIssue=false
# (its methods run as part of firmware.visit.Visit, whose state and helpers they use)
"""What the visit remembers of the patient (firmware/visit.py): the prescription asked
(R161-44 2°) with the patient's last sheet's proposed, its prescriber (or the one of this
professional's latest sheet), and the patient's kilometre act proposed at the same distance,
right after the act it followed last time. OK alone keeps each item proposed.
"""

from firmware import entry
from firmware.visit_items import MAX_REF_DIGITS
from protocol import tariffs as T
from protocol.sheet import Prescription


class KnownSteps:
    # ------------------------------------------------------------ the prescription

    def _ask_prescription(self, title, then):
        """Date, prescriber, reference (R161-44 2°), each checked as it is typed. The
        patient's last sheet's prescription is proposed (OK alone keeps each item): a
        nurse's repeated visits carry out the same prescription."""
        known = self._known_prescription()
        self._ask(
            entry.Date(
                title, "Date (JJMMAAAA)", known.date if known else self._today(), self._today()
            ),
            lambda day: self._prescription_step(Prescription(date=day), "date", then),
        )

    def _known_prescription(self):
        """The prescription of the patient's last sheet (visit_patient._last_sheet), or None."""
        self._read_last()
        return self.last_prescription

    def _read_last(self):
        """Decode the patient's last sheet once: its prescription and its kilometre act
        (IK, IKM, IKS: the act it followed, its code and distance), kept small."""
        if self.last_prescription is not None or self.last is None or self.journal is None:
            return
        from firmware.visit_patient import _decoded

        rec = self.journal.get(self.last[0])
        if rec is None:
            return
        old = _decoded(rec.payload)
        self.last_prescription = old.prescription
        after = ""
        for a in old.acts:
            if a.code in T.PER_KM:
                self.last_km = (after, a.code, a.coef)
            after = a.code

    def _known_prescriber(self, known):
        """The prescriber proposed: the patient's last prescription's; else the one of this
        professional's latest sheet (a nurse's patients mostly come from a few doctors)."""
        if known is not None:
            return known.prescriber
        if self.last_other is None or self.journal is None:
            return None
        from firmware.visit_patient import _decoded

        rec = self.journal.get(self.last_other)
        p = _decoded(rec.payload).prescription if rec is not None else None
        return p.prescriber if p is not None else None

    def _known_km(self, code):
        """The distance (km) of `code` on the patient's last sheet, as text, or None."""
        self._read_last()
        k = self.last_km
        return str(k[2] // 100) if k is not None and k[1] == code else None

    def _prescription_step(self, p, field, then):
        s = self._draft()
        kept, s.prescription = s.prescription, p
        found = self._problems("prescription." + field)
        s.prescription = kept
        if field == "date":
            ask = lambda: self._ask_prescription("Prescription", then)  # noqa: E731
        else:
            ask = lambda: self._prescription_step(p, "date", then)  # noqa: E731
        if self._refused(found, None, ask):
            return
        known = self._known_prescription()
        if field == "date":
            label, then_who = (
                "Prescripteur (id)",
                lambda who: self._prescription_step(
                    Prescription(date=p.date, prescriber=who), "prescriber", then
                ),
            )
            who = self._known_prescriber(known)
            if who is not None:
                self._ask(entry.Proposed("Prescription", label, 11, who), then_who)
            else:
                self._ask(entry.Digits("Prescription", label, 11), then_who)
        elif field == "prescriber":
            # R161-45 II: the professional carrying out the prescription writes on it the
            # reference linking it to the sheet; the terminal proposes one (the same
            # prescription's: the one of the patient's last sheet).
            ref = "%d-%d" % (p.date, self._journal().peek_order(self._cps().holder_id))
            if known is not None and (known.date, known.prescriber) == (p.date, p.prescriber):
                ref = known.ref
            self._ask(
                entry.Proposed("Prescription", "Reference", MAX_REF_DIGITS, ref),
                lambda r: self._prescription_step(
                    Prescription(date=p.date, prescriber=p.prescriber, ref=r), "ref", then
                ),
            )
        else:
            s.prescription = p
            then()

    def _ask_km(self, code):
        """The distance of a kilometre act; the patient's last one proposed (OK keeps it,
        digits typed replace it: '3 8 OK' still says 8 km)."""
        title = "Acte %d: %s" % (len(self._draft().acts) + 1, code)
        km = self._known_km(code)
        if km is None:
            what = entry.Digits(title, "Distance (km)", 4)
        else:
            what = entry.Proposed(title, "Distance (km)", 4, km)
        self._ask(what, lambda km: self._act_coef(code, int(km) * 100))

    def _km_next(self):
        """(code, coef) of the patient's kilometre act when the act just added is the one
        it followed on the patient's last sheet (IFD then IK 8 km) and the sheet has none
        yet, else None: the act menu's cursor waits on it, OK alone adds it (an act combo
        remembered per patient; its digit still asks the distance)."""
        self._read_last()
        k = self.last_km
        s = self._draft()
        if k is None or not s.acts or s.acts[-1].code != k[0]:
            return None
        for a in s.acts:
            if a.code in T.PER_KM:
                return None
        return k[1], k[2]
