"""The paper duplicate of a care sheet (R161-47 I, III), or the patient's copy of a transmitted
one: a one-page A4 PDF made with fpdf2, in plain French, carrying every R161-42 item.

Names come from the cards' certificates when the store has them (the professional's CPS, the
insured's Vitale); a paper sheet wants them written by the professional otherwise
(R161-42 1° b, 2° b), so the page leaves a line for it.
"""

import hashlib
import time

from cryptography import x509
from cryptography.x509.oid import NameOID

from host_agent import french, pdf_page
from host_agent.errors import AgentError
from protocol import bundle, dates, nomenclature, sheet, tariffs, workdays
from protocol import sheet_fields as F

DUPLICATE = "DUPLICATA"
COPY = "COPIE"

# Plain French for the sheet's code lists (protocol/sheet_fields.py).
PROFESSIONS = {F.DOCTOR: "Médecin", F.NURSE: "Infirmier(ère)"}
PAYMENTS = {
    F.PATIENT_PAID: "Paiement direct par l'assuré",
    F.THIRD_PARTY: "Dispense d'avance de frais (tiers payant)",
}
ACCIDENTS = {
    F.COMMON_ACCIDENT: "Accident causé par un tiers",
    F.WORK_ACCIDENT: "Accident du travail ou maladie professionnelle",
}
EXEMPTIONS = {
    F.LONG_TERM_ILLNESS: "Affection de longue durée (art. L160-14 3° du CSS)",
    F.MATERNITY: "Maternité (art. L160-9 du CSS)",
    F.WORK_RELATED: "Accident du travail ou maladie professionnelle (art. L431-1 du CSS)",
    F.SOLIDARITY_COVER: "Complémentaire santé solidaire (art. L861-1 du CSS)",
}
UNSIGNED = {
    F.CANNOT_EXPRESS_WILL: "le patient n'est pas en état d'exprimer sa volonté (art. R161-43)",
    F.DEVICE_RENTAL: "location de dispositif médical (art. R161-43)",
    F.LABORATORY: "feuille de laboratoire (art. R161-46 2°)",
    F.NO_SIGNATURE_KEY: "la carte Vitale n'a pas de clé de signature",
    F.SIGNED_BY_READING: "signée par la lecture de la carte Vitale (art. R161-43)",
}
TO_FILL = "à compléter à la main par le professionnel"
BLANK = "................................ (%s)" % TO_FILL  # R161-42 1° b, 2° b: by hand

_INK = (25, 35, 60)
_RULE = (150, 160, 180)
_SHADE = (232, 236, 244)


class DuplicateError(AgentError):
    """The document cannot be made; one plain English sentence."""


def french_date(ymd) -> str:
    return dates.french(dates.ymd_tuple(ymd)) if dates.is_ymd(ymd) else "-"


euros = french.euros  # 1234 -> '12,34 €', as on the pages


def nir_text(nir) -> str:
    """'180027512345676' -> '1 80 02 75 123 456 76', as printed on a Vitale card."""
    if not isinstance(nir, str) or len(nir) != 15:
        return str(nir or "-")
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))


def rating(act, profession) -> str:
    """The act's rating (cotation) as written on paper: 'AMI 1,5', 'IK 6 km'."""
    coef = act.coef if isinstance(act.coef, int) else 0
    number = (
        "%d" % (coef // 100) if coef % 100 == 0 else ("%d,%02d" % divmod(coef, 100)).rstrip("0")
    )
    if act.code in tariffs.PER_KM:
        return "%s %s km" % (act.code, number)
    return "%s %s" % (act.code, number)


def act_label(version, profession, code) -> str:
    """The act's label with its accents (host_agent/french.py; the terminal's are ASCII),
    "" for a code the sheet's nomenclature version does not have."""
    entry = nomenclature.lookup(version, profession, code)
    return french.act_label(code, profession) if entry else ""


def holder_name(der) -> str:
    """The holder's name on a card certificate (SN GN as a CPS3's, else CN), '' if none."""
    try:
        cert = x509.load_der_x509_certificate(bytes(der or b""))
    except ValueError:
        return ""
    names = [cert.subject.get_attributes_for_oid(o) for o in (NameOID.SURNAME, NameOID.GIVEN_NAME)]
    names = names[0] + names[1] or cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[:1]
    return " ".join(str(a.value) for a in names)


class Facts:
    """What the page shows beyond the sheet itself: who signed (names from certificates),
    the fund's name, the lot, when and why the document is made."""

    def __init__(
        self,
        professional_name="",
        insured_name="",
        fund_name="",
        lot="",
        made=None,
        reason="",
        transmitted=False,
        practice=(),
    ):
        self.professional_name = professional_name
        self.insured_name = insured_name
        self.fund_name = fund_name
        self.lot = lot
        self.made = int(time.time()) if made is None else made
        self.reason = reason
        self.transmitted = transmitted  # its lot was sent: a copy may say "transmise"
        self.practice = list(practice)  # the practice's name and address lines


class _Page(pdf_page.Page):
    mark = DUPLICATE
    footer_text = ""

    def header(self):
        # The mark across the page, light enough to read through (R161-47 I: a duplicate).
        with self.local_context(fill_opacity=0.10, text_color=(200, 30, 30)):
            self.set_font(self.family, "B", 96)
            across = 0.7 * self.w * 2**0.5  # at 45°, well inside the page's sides
            self.set_font_size(96 * min(1, across / self.get_string_width(self.mark)))
            with self.rotation(45, x=self.w / 2, y=self.h / 2):
                self.text(
                    self.w / 2 - self.get_string_width(self.mark) / 2, self.h / 2 + 12, self.mark
                )

    def footer(self):
        self.set_y(-11)
        self.set_font(self.family, "", 7)
        self.set_text_color(*_RULE)
        self.multi_cell(0, 3.2, self.footer_text, align="C")


def render(bundle_bytes: bytes, facts: Facts, mark=DUPLICATE) -> bytes:
    """The PDF of the sheet in `bundle_bytes` (its exact signed bytes), marked `mark`."""
    try:
        signed = bundle.decode(bundle_bytes)
        s = sheet.decode(signed.sheet)
    except (bundle.BundleFormatError, sheet.SheetFormatError) as e:
        raise DuplicateError("the stored sheet is unreadable: %s" % e) from None
    pdf = _Page()
    pdf.mark = mark
    pdf.footer_text = (
        "Empreinte SHA-256 de la feuille signée : %s\nDocument établi le %s par tla-agent à "
        "partir de la feuille de soins électronique signée (art. R161-42 à R161-47 du code de "
        "la sécurité sociale)." % (hashlib.sha256(signed.sheet).hexdigest(), _made(facts.made))
    )
    pdf.set_title("%s - feuille de soins n° %s" % (mark, s.order_no))
    pdf.set_author("tla-agent")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(15, 14, 15)
    pdf.add_page()
    _title(pdf, s, facts, mark)
    _people(pdf, s, facts)
    _circumstances(pdf, s)
    _acts(pdf, s)
    _amounts(pdf, s)
    _signatures(pdf, s, signed)
    return bytes(pdf.output())


def _made(epoch) -> str:
    y, m, d = dates.paris_date(epoch)
    h, mi = dates.paris_hm(epoch)
    return "%02d/%02d/%04d à %02dh%02d" % (d, m, y, h, mi)


def _title(pdf, s, facts, mark):
    pdf.set_text_color(*_INK)
    pdf.set_font(pdf.family, "B", 17)
    pdf.cell(0, 9, "Feuille de soins - %s" % mark, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 9)
    if mark == DUPLICATE:
        why = facts.reason or "la feuille électronique n'a pas pu être transmise"
        line = (
            "Duplicata sur papier d'une feuille de soins électronique (art. R161-47 I) : %s." % why
        )
    else:
        sent = "transmise" if facts.transmitted else "pas encore transmise à la caisse"
        line = (
            "Copie remise à l'assuré de la feuille de soins électronique %s (art. R161-47 I)."
            % sent
        )
    pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rows = [
        ("N° d'ordre de la feuille", str(s.order_no)),
        ("Date de rédaction", french_date(s.completion)),
        ("Terminal", str(s.terminal)),
        ("Caisse destinataire", _fund(s.fund, facts.fund_name)),
    ]
    if facts.lot:
        rows.append(("Lot de transmission", facts.lot))
    _box(pdf, rows, shade=True)


def _fund(code, name) -> str:
    if not isinstance(code, str) or len(code) != 9:
        return "- (code de caisse absent)"
    text = "%s (régime %s, caisse %s, centre %s)" % (code, code[:2], code[2:5], code[5:])
    return "%s - %s" % (name, text) if name else text


def _section(pdf, title):
    pdf.ln(1.8)
    pdf.set_font(pdf.family, "B", 10.5)
    pdf.set_text_color(*_INK)
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*_RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.2)


def _box(pdf, rows, shade=False, label_width=64):
    pdf.set_draw_color(*_RULE)
    for label, value in rows:
        pdf.set_font(pdf.family, "", 9)
        pdf.set_text_color(90, 100, 120)
        pdf.set_fill_color(*_SHADE)
        pdf.cell(label_width, 5.1, label, border="B", fill=shade)
        pdf.set_text_color(*_INK)
        pdf.set_font(pdf.family, "B" if shade else "", 9.5)
        pdf.multi_cell(
            0, 5.1, value, border="B", fill=shade, align="L", new_x="LMARGIN", new_y="NEXT"
        )


def _people(pdf, s, facts):
    _section(pdf, "Assuré (art. R161-42 1°)")
    _box(
        pdf,
        [
            (
                "Nom et prénom",
                facts.insured_name or BLANK,
            ),
            ("N° d'immatriculation (NIR)", nir_text(s.insured)),
        ],
    )
    if s.beneficiary is not None:
        b = s.beneficiary
        _section(pdf, "Bénéficiaire des soins, ayant droit (art. R161-42 1°)")
        _box(
            pdf,
            [
                ("Nom et prénom", BLANK),
                ("N° d'immatriculation (NIR)", nir_text(b.nir) if b.nir else "non connu"),
                ("Date de naissance", french_date(b.birth)),
                ("Rang de naissance", str(b.birth_rank)),
            ],
        )
    _section(pdf, "Professionnel de santé (art. R161-42 2°)")
    _box(
        pdf,
        [
            ("Nom et prénom", facts.professional_name or BLANK),
            ("Identifiant", str(s.professional)),
            ("Profession", PROFESSIONS.get(s.profession, str(s.profession))),
            ("Situation d'exercice (n° de facturation)", str(s.situation)),
            # The settings' practice, when it is this situation's (docs/agent.md "Settings").
            ("Cabinet et adresse", "\n".join(facts.practice) or BLANK),
        ],
    )


def _circumstances(pdf, s):
    _section(pdf, "Conditions de prise en charge")
    if s.accident is None:
        accident = "Non"
    else:
        a = s.accident
        accident = "Oui : %s, le %s" % (ACCIDENTS.get(a.kind, str(a.kind)), french_date(a.date))
        if a.ref:
            accident += ", référence %s" % a.ref
    if s.prescription is None:
        prescription = "Sans objet"
    else:
        p = s.prescription
        prescription = "Prescrits le %s par %s, référence %s" % (
            french_date(p.date),
            p.prescriber,
            p.ref,
        )
    _box(
        pdf,
        [
            ("Accident (R161-42 4°)", accident),
            ("Accord préalable (R161-42 6°)", s.agreement or "Sans objet"),
            (
                "Exonération (R161-42 9°)",
                EXEMPTIONS.get(s.exemption, "Aucune") if s.exemption else "Aucune",
            ),
            ("Prescription (R161-44 2°)", prescription),
        ],
    )


def _acts(pdf, s):
    _section(pdf, "Actes effectués (art. R161-42 3°, 5°, 7°, 8°)")
    widths = (24, 14, 82, 26, 14, 20)
    heads = (
        "Date",
        "Code",
        "Libellé (nomenclature v%s)" % s.nomenclature,
        "Cotation",
        "Rang",
        "Montant",
    )
    pdf.set_font(pdf.family, "B", 8.5)
    pdf.set_fill_color(*_INK)
    pdf.set_text_color(255, 255, 255)
    for w, h in zip(widths, heads, strict=True):
        pdf.cell(w, 6, h, border=0, fill=True, align="R" if h == "Montant" else "L")
    pdf.ln()
    pdf.set_font(pdf.family, "", 8.5)
    pdf.set_text_color(*_INK)
    for i, act in enumerate(s.acts):
        pdf.set_fill_color(*(_SHADE if i % 2 else (255, 255, 255)))
        cells = (
            french_date(act.date),
            str(act.code),
            act_label(s.nomenclature, s.profession, act.code),
            rating(act, s.profession),
            str(act.rank) if act.rank else "-",
            euros(act.fee),
        )
        for w, text, right in zip(widths, cells, (0, 0, 0, 0, 0, 1), strict=True):
            pdf.cell(w, 5.1, text, fill=True, align="R" if right else "L")
        pdf.ln()


def _amounts(pdf, s):
    _section(pdf, "Montants et délai (art. R161-42 8°, 10°, R161-47)")
    third = s.third_party if isinstance(s.third_party, int) else 0
    fees = s.fees if isinstance(s.fees, int) else 0
    deadline = workdays.transmission_deadline(s.completion, s.third_party_paid())
    _box(
        pdf,
        [
            ("Total des honoraires", euros(s.fees)),
            ("Dispense d'avance de frais", euros(third)),
            ("Payé par l'assuré", euros(fees - third)),
            ("Mode de paiement", PAYMENTS.get(s.payment, str(s.payment))),
            (
                "Date limite de transmission",
                "%s (%d jours ouvrés après la date de rédaction)"
                % (french_date(deadline), 8 if s.third_party_paid() else 3),
            ),
        ],
        shade=True,
    )


def _signatures(pdf, s, signed):
    _section(pdf, "Signatures (art. R161-43)")
    pdf.set_font(pdf.family, "", 8.5)
    pdf.set_text_color(*_INK)
    lines = [
        "Feuille électronique signée par la carte CPS du professionnel (certificat %s)"
        % signed.cps_cert.hex()
    ]
    if signed.vitale_signature is not None:
        lines.append(
            "et par la carte Vitale de l'assuré (certificat %s)." % signed.vitale_cert.hex()
        )
    elif s.degraded:
        why = french.ABSENT_REASONS.get(s.absent_reason)  # R161-43: said when known
        lines.append("sans carte Vitale (mode dégradé%s)." % (" : " + why if why else ""))
    else:
        lines.append(
            "sans la signature de l'assuré : %s."
            % UNSIGNED.get(s.unsigned_reason, "motif non précisé")
        )
    pdf.multi_cell(0, 4.3, "\n".join(lines), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    half = (pdf.w - pdf.l_margin - pdf.r_margin - 6) / 2
    y = pdf.get_y()
    pdf.set_draw_color(*_RULE)
    for i, label in enumerate(("Signature du professionnel", "Signature de l'assuré")):
        x = pdf.l_margin + i * (half + 6)
        pdf.rect(x, y, half, 17)
        pdf.set_xy(x + 2, y + 1.5)
        pdf.set_font(pdf.family, "", 8)
        pdf.cell(half - 4, 4, label)
    pdf.set_y(y + 18)
