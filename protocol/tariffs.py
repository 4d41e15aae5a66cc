"""The nomenclature tables for home visits, as data: codes, tariffs in cents, allowed ratings.
tla's values look like France's NGAP but are illustrative, not the official tariffs.

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

# fmt: off
# (version id, effective date, entries). An entry: (code, profession (10 doctor, 60 nurse),
# tariff in cents for a coefficient of 1 (or per km), lowest and highest coefficient in
# hundredths (100 = 1; a fixed-price code allows 100 only; for IK the coefficient is the
# distance in km x 100), flags, label). Fee = tariff x coef / 100 x rank rate, to the cent.
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
)
# fmt: on
