"""The nomenclature tables for home visits, as data: codes, tariffs in cents, allowed ratings.
tla's values follow France's NGAP (version 2 cites a public source for each rating) but tla
is not a billing reference.

A published version is never edited (signed sheets name it and are re-checked against it):
a tariff change is a new version with its effective date, appended to VERSIONS.
"""

from protocol._compat import const

# const(): the flags fold at compile time, so VERSIONS below is one constant tuple (in
# flash when frozen) rather than tuples built in the heap at import (docs/board.md "Heap").

# What an entry's flags ask of an act (R161-42 5°, 6°, 7°; R161-44 2°).
RANKED = const(1)  # its cover depends on its order number that day (R161-42 7°): rank needed
AGREEMENT = const(2)  # needs a prior agreement reference (R161-42 6°)
PRESCRIBED = const(4)  # done on prescription: the sheet carries it (R161-44 2°)
# From version 3 (the rules of the NGAP's general provisions, docs/care-sheet.md): an entry
# flagged so is checked against the other acts of its day, its date or its hour.
SUNDAY = const(8)  # done on a Sunday or a public holiday only (NGAP art. 14)
NIGHT_OR_SUNDAY = const(16)  # one of these a day: they do not add up (NGAP art. 14)
UNIQUE_OR_COORDINATION = const(32)  # MAU or MCI, not both the same day (NGAP art. 23.1)
SINGLE_ACT = const(64)  # beside the day's only act, an AMI of 1.5 at most (NGAP art. 23.1)
ADDED = const(128)  # a surcharge or an allowance, not an act of care itself (SINGLE_ACT)
CHILD = const(256)  # for a patient under 7 on the act's date (avenant 6 art. 5.3: MIE)

# SINGLE_ACT: the one act beside it, and its highest rating (NGAP art. 23.1: "AMI 1 ou 1,5").
SINGLE_ACT_CODE = "AMI"
SINGLE_ACT_MAX_COEF = const(150)
CHILD_YEARS = const(7)

# Codes rated by distance: the coefficient is the distance in km x 100 (plain, mountain, on
# foot or on skis: NGAP general provisions art. 13).
PER_KM = ("IK", "IKM", "IKS")

# Share of the tariff paid by rank of a RANKED act: 1st in full, 2nd at half (NGAP art. 11 B).
RANK_RATES = (100, 50)

# Positions in an entry.
CODE = const(0)
PROFESSION = const(1)
TARIFF = const(2)
MIN_COEF = const(3)
MAX_COEF = const(4)
FLAGS = const(5)
LABEL = const(6)
HOURS = const(7)  # from version 3, optional: the hours the act may be done at (below)

# fmt: off
# (version id, effective date, entries). An entry: (code, profession (10 doctor, 60 nurse),
# tariff in cents for a coefficient of 1 (or per km), lowest and highest coefficient in
# hundredths (100 = 1; a fixed-price code allows 100 only; for IK the coefficient is the
# distance in km x 100), flags, label). Fee = tariff x coef / 100 x rank rate, to the cent.
# From version 3 a night surcharge has an eighth item, HOURS: the hours of the day it applies
# to, as (first hour, hour after the last) pairs. The sheet has no hour: the terminal checks
# them on its clock when the act is typed (protocol/ngap_rules.py).
VERSIONS = (
    (1, 20250101, (
        ("G", 10, 3000, 100, 100, 0, "Consultation de medecine generale"),
        ("VG", 10, 3000, 100, 100, 0, "Visite de medecine generale"),
        ("MD", 10, 1000, 100, 100, 0, "Majoration de deplacement du medecin"),
        ("IK", 10, 61, 100, 30000, 0, "Indemnite kilometrique medecin (plaine), par km"),
        ("MN", 10, 3500, 100, 100, 0, "Majoration de nuit (20h-0h, 6h-8h)"),
        ("MM", 10, 4000, 100, 100, 0, "Majoration de milieu de nuit (0h-6h)"),
        ("F", 10, 1906, 100, 100, 0, "Majoration dimanche et jour ferie"),
        ("AMI", 60, 315, 50, 3000, RANKED | PRESCRIBED, "Acte medico-infirmier (lettre cle)"),
        ("AIS", 60, 265, 50, 3000, RANKED | PRESCRIBED | AGREEMENT, "Acte infirmier de soins (lettre cle)"),
        ("IFD", 60, 275, 100, 100, 0, "Indemnite forfaitaire de deplacement"),
        ("IK", 60, 35, 100, 30000, 0, "Indemnite kilometrique infirmier (plaine), par km"),
        ("MAU", 60, 135, 100, 100, 0, "Majoration acte unique"),
        ("MCI", 60, 500, 100, 100, 0, "Majoration de coordination infirmiere"),
        ("F", 60, 850, 100, 100, 0, "Majoration dimanche et jour ferie"),
    )),
    # Version 2: the nurse's usual NGAP codes, and short labels ("CODE label" in at most 16
    # characters: a menu line, docs/visit.md). Entries in the order of the act menu: each
    # profession's usual codes first. Sources of each rating (docs/care-sheet.md "The
    # nomenclature"): [a] ameli.fr, "Bilan de soins infirmiers (BSI)" (2024): BSA 13,00,
    # BSB 18,20, BSC 28,70; [b] laruche.cbainfo.fr, nurses' tariffs from 28 January 2024:
    # AMI 3,15, AIS 2,65; [c] onsil.fr, nurses' tariffs (avenant 3, 2012): IK plaine 0,35,
    # night 20h-23h and 5h-8h 9,15, night 23h-5h 18,30, MAU 1,35, MCI 5,00; [d] ameli.fr as
    # quoted by blog.jungloo.fr (2025): IFD 2,75; [v1] version 1's value, not verified
    # against a public source (the doctor's codes; the nurse's Sunday F at 8,50, [c] giving
    # 8,00 in 2012). NGAP art. 14 B: the night and Sunday surcharges of a nurse's repeated
    # acts need a prescription saying so (PRESCRIBED).
    (2, 20260101, (
        ("VG", 10, 3000, 100, 100, 0, "Visite"),  # [v1]
        ("MD", 10, 1000, 100, 100, 0, "Deplacement"),  # [v1]
        ("IK", 10, 61, 100, 30000, 0, "Km plaine"),  # [v1]
        ("G", 10, 3000, 100, 100, 0, "Consultation"),  # [v1]
        ("F", 10, 1906, 100, 100, 0, "Dim. et ferie"),  # [v1]
        ("MN", 10, 3500, 100, 100, 0, "Nuit 20-0,6-8"),  # [v1] 20h-0h and 6h-8h
        ("MM", 10, 4000, 100, 100, 0, "Nuit 0h-6h"),  # [v1] the middle of the night
        ("AMI", 60, 315, 50, 3000, RANKED | PRESCRIBED, "Acte med-inf"),  # [b]
        ("IFD", 60, 275, 100, 100, 0, "Deplacement"),  # [d]
        ("IK", 60, 35, 100, 30000, 0, "Km plaine"),  # [c]
        ("MAU", 60, 135, 100, 100, 0, "Acte unique"),  # [c]
        ("AIS", 60, 265, 50, 3000, RANKED | PRESCRIBED | AGREEMENT, "Soin hygiene"),  # [b]
        ("BSA", 60, 1300, 100, 100, PRESCRIBED, "BSI leger"),  # [a]
        ("BSB", 60, 1820, 100, 100, PRESCRIBED, "BSI moyen"),  # [a]
        ("BSC", 60, 2870, 100, 100, PRESCRIBED, "BSI lourd"),  # [a]
        ("MCI", 60, 500, 100, 100, 0, "Coordination"),  # [c]
        ("N", 60, 915, 100, 100, PRESCRIBED, "Nuit 20-23,5-8"),  # [c]
        ("NP", 60, 1830, 100, 100, PRESCRIBED, "Nuit 23h-5h"),  # [c] tla's code (see docs)
        ("F", 60, 850, 100, 100, PRESCRIBED, "Dim. et ferie"),  # [v1]
    )),
    # Version 3: the nurse's other usual codes (AMX, MIE, IKM, IKS, DI), after version 2's in
    # the act menu, and the rules of the surcharges as flags and hours (NGAP art. 14, 23.1).
    # Sources (docs/care-sheet.md "The nomenclature"): [e] arrete du 17 octobre 2008, annexe 1
    # (avenant 1, JORF): IK montagne 0,50, IK pied-ski 3,40, DI 10,00, night 9,15 and 18,30;
    # [c] onsil.fr (avenant 3, 2012): the same values; [f] hartmann.fr, "Nouvelle cotation
    # AMX" (avenant 6, from 1 January 2020): AMX as AMI, 3,15; [g] ozzen.fr, "Avenant 6
    # infirmier" and l-idel.fr, "MAU, MCI, MIE" (avenant 6 art. 5.3): MIE 3,15, under 7;
    # [h] walter-learning.com, "Quelle est la cotation du BSI" (2025): DI 2,5 initial BSI,
    # DI 1,2 renewal; [i] decision UNCAM du 20 decembre 2011 (JORF 28 fevrier 2012), NGAP
    # art. 23.1, 23.2: MAU and MCI; [j] L'Infirmiere Liberale Magazine no 275 (2011), citing
    # NGAP art. 14: the night and Sunday surcharges do not add up; [v2] version 2's value.
    (3, 20261101, (
        ("VG", 10, 3000, 100, 100, 0, "Visite"),  # [v1]
        ("MD", 10, 1000, 100, 100, ADDED, "Deplacement"),  # [v1]
        ("IK", 10, 61, 100, 30000, ADDED, "Km plaine"),  # [v1]
        ("G", 10, 3000, 100, 100, 0, "Consultation"),  # [v1]
        ("F", 10, 1906, 100, 100, ADDED | NIGHT_OR_SUNDAY | SUNDAY, "Dim. et ferie"),  # [v1]
        ("MN", 10, 3500, 100, 100, ADDED | NIGHT_OR_SUNDAY, "Nuit 20-0,6-8",
         ((20, 24), (6, 8))),  # [v1]
        ("MM", 10, 4000, 100, 100, ADDED | NIGHT_OR_SUNDAY, "Nuit 0h-6h", ((0, 6),)),  # [v1]
        ("AMI", 60, 315, 50, 3000, RANKED | PRESCRIBED, "Acte med-inf"),  # [b]
        ("IFD", 60, 275, 100, 100, ADDED, "Deplacement"),  # [d]
        ("IK", 60, 35, 100, 30000, ADDED, "Km plaine"),  # [c]
        # [c] [i]
        ("MAU", 60, 135, 100, 100, ADDED | SINGLE_ACT | UNIQUE_OR_COORDINATION, "Acte unique"),
        ("AIS", 60, 265, 50, 3000, RANKED | PRESCRIBED | AGREEMENT, "Soin hygiene"),  # [b]
        ("BSA", 60, 1300, 100, 100, PRESCRIBED, "BSI leger"),  # [a]
        ("BSB", 60, 1820, 100, 100, PRESCRIBED, "BSI moyen"),  # [a]
        ("BSC", 60, 2870, 100, 100, PRESCRIBED, "BSI lourd"),  # [a]
        ("MCI", 60, 500, 100, 100, ADDED | UNIQUE_OR_COORDINATION, "Coordination"),  # [c] [i]
        ("N", 60, 915, 100, 100, PRESCRIBED | ADDED | NIGHT_OR_SUNDAY, "Nuit 20-23,5-8",
         ((20, 23), (5, 8))),  # [e] [j]
        ("NP", 60, 1830, 100, 100, PRESCRIBED | ADDED | NIGHT_OR_SUNDAY, "Nuit 23h-5h",
         ((23, 24), (0, 5))),  # [e] [j]
        # [v2]: 8,50 not confirmed by a public source (docs/care-sheet.md)
        ("F", 60, 850, 100, 100, PRESCRIBED | ADDED | NIGHT_OR_SUNDAY | SUNDAY, "Dim. et ferie"),
        ("AMX", 60, 315, 50, 3000, RANKED | PRESCRIBED, "Patient dep."),  # [f]
        ("MIE", 60, 315, 100, 100, ADDED | CHILD, "Enfant <7ans"),  # [g]
        ("IKM", 60, 50, 100, 30000, ADDED, "Km montagne"),  # [e] [c]
        ("IKS", 60, 340, 100, 30000, ADDED, "Km pied/ski"),  # [e] [c]
        ("DI", 60, 1000, 120, 250, PRESCRIBED, "Bilan BSI"),  # [e] [h]: DI 1,2 or 2,5
    )),
)
# fmt: on
