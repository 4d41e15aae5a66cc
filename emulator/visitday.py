"""The power-cut bench's real day: 20 home visits played through the terminal's App (CPS and
PIN, Vitale cards, acts on the keypad, both cards signing, the sheet saved), the evening sync
of part of them (on the journal directly), then a purge with the clock moved 91 days on.

Portable: the micropython child plays it too, its cards served by the bench's parent. It is
re-entrant like emulator/workday.py: after a power cut it learns what was done from the
flash only; a visit whose sheet is there is not played again, any other is played again
from its start (with a new order number). Visit N travels N km: the distance (the `IK`
act) names the visit a stored sheet belongs to.
"""

from emulator.scenario_play import AppDriver, PlayBoard, play
from emulator.workday import already_purged, end_of_day_problems, evening_sync
from firmware.accesslog_flash import FlashAccessLog
from firmware.app import App
from firmware.journal import Journal
from firmware.opposition import MemoryOppositionList
from firmware.reading import today
from firmware.storage import Storage
from protocol import bundle, dates, sheet

START = 1794985200  # Wednesday 18 November 2026, 08:00 in Paris
VISIT_EVERY = 1200  # seconds between visits
PURGE_AFTER = 91 * 86400  # past the 90-day retention of acknowledged sheets (R161-47)
CPS = ("gp", "4827")  # the fixture CPS of the day and its (public, test) PIN
# (fixture Vitale card, first line of its patient screen, beneficiary's rank on the card)
PATIENTS = (
    ("single", "MARTIN PAUL", 1),
    ("family", "DUPONT MARIE", 1),
    ("family", "DUPONT MARIE", 3),
    ("no-key", "ROUSSEAU LOUIS", 1),
    ("family", "DUPONT MARIE", 4),
    ("no-copies", "LAMBERT CHLOE", 1),
    ("cover-consent", "FOURNIER ALAIN", 1),
)


def gp_visit(card, name, rank, km, third_party=False, situation=True, fund=None):
    """The steps (emulator/scenario_play.py) of a GP's visit to the beneficiary `rank` of the
    fixture `card` (`name`: its patient screen's first line): VG, MD and `km` km, the
    patient paying or third-party payment, signed ("Enregistree no"), the card out.
    `situation`: the first visit of the CPS session, which asks the practice situation.
    `fund`: typed after the rank (a Carte Vitale 2's fund is not on its public part)."""
    steps = [{"insert": "vitale", "card": card, "screen": name}]
    if fund:
        steps.append({"keys": str(rank), "screen": "Caisse"})
        rank = fund + " OK"
    if situation:
        steps += [
            {"keys": str(rank), "screen": "Lieu d'exercice"},
            {"keys": "1", "screen": "Acte 1"},
        ]
    else:
        steps.append({"keys": str(rank), "screen": "Acte 1"})
    # On the act menu: VG (1), MD (2), IK (3) and the distance; 0: pay (a patient seen
    # before gets "0 Refaire" on the first act menu only: the codes keep their digits).
    return steps + [
        {"keys": "1", "screen": "Acte 2"},
        {"keys": "2", "screen": "Acte 3"},
        {"keys": "3 %d OK" % km, "screen": "Acte 4"},
        {"keys": "0 2" if third_party else "0 1", "screen": "Total"},
        {"keys": "OK", "screen": "Enregistree no"},
        {"remove": "vitale", "screen": "Inserer carte Vitale"},
    ]


def visit_steps(n, situation=True, patients=PATIENTS):
    """The steps of visit `n` of the day: the next patient, n km, every third one in
    third-party payment."""
    patient = patients[(n - 1) % len(patients)]
    fund = patient[3] if len(patient) > 3 else None
    return [{"clock": START + n * VISIT_EVERY}] + gp_visit(
        patient[0], patient[1], patient[2], n, n % 3 == 0, situation, fund
    )


def _visits(count, done=(), patients=PATIENTS):
    """The visits not done yet; the first of them (the first of this boot's CPS session)
    is the one asked the practice situation."""
    first = True
    for n in range(1, count + 1):
        name = "V%02d" % n
        if name not in done:
            yield {"name": name, "steps": visit_steps(n, first, patients)}
            first = False


def day_scenario(visits, done=(), cps=CPS, patients=PATIENTS):
    """The day as a scenario; its visits come one at a time (a generator)."""
    return {
        "name": "powercut-day",
        "start": START,
        "setup": [
            {"insert": "cps", "card": cps[0], "screen": "Code PIN"},
            {"keys": cps[1] + " OK", "screen": "Inserer carte Vitale"},
        ],
        "visits": _visits(visits, done, patients),
        "teardown": [{"remove": "cps", "screen": "tla "}],
    }


def _reporting(journal, log, report, key_of):
    """Report each promise as the App makes it: an order number reserved, a sheet saved
    (append_sheet returned: 'Enregistree no N' follows), an access-log entry written."""
    reserve, append, record = journal.reserve_order, journal.append_sheet, log.record

    def reserve_order(pro_id):
        n = reserve(pro_id)
        report.reserved(pro_id, n)
        return n

    def append_sheet(payload, order_no, pro_id, completion_date, third_party):
        rec_no = append(payload, order_no, pro_id, completion_date, third_party)
        report.saved(rec_no, order_no, pro_id, payload, key_of(payload))
        return rec_no

    def record_entry(when, who, card, card_id, what):
        record(when, who, card, card_id, what)
        report.logged(log)

    journal.reserve_order = reserve_order
    journal.append_sheet = append_sheet
    log.record = record_entry


class VisitDay:
    """20 visits by a GP through the App; small segments so that the purge deletes whole
    segments of the day's sheets. `cards`: the bench gives it hands to move cards."""

    name = "visits"
    cards = True
    cps = CPS
    patients = PATIENTS

    def __init__(self, seed=1, visits=20, segment_bytes=2048):
        self.seed = seed
        self.visits = visits
        self.segment_bytes = segment_bytes

    def open_storage(self, board):
        fs = board.filesystem()
        return Journal(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)

    def key_of(self, payload):
        """The visit a stored bundle belongs to: "V<n>" for a sheet with an n km IK act."""
        s = sheet.decode(bundle.decode(payload).sheet)
        for act in s.acts:
            if act.code == "IK":
                return "V%02d" % (act.coef // 100)
        return "?"

    def storage(self, board):
        """What the terminal keeps in flash, opened as the App opens it."""
        return Storage(board, segment_bytes=self.segment_bytes)

    def run(self, board, report):
        storage = self.storage(board)
        journal, log = storage.journal, storage.access_log
        assert journal is not None  # the board has a flash
        report.booted(journal, log)
        if not already_purged(journal):
            _reporting(journal, log, report, self.key_of)
            done = {}
            for r in journal.records_after(0, 0, 0, None):
                done[self.key_of(r.payload)] = r.rec_no
            play_board = PlayBoard(board.flash, board.slots, board.serial_number, START)
            app = App(play_board, storage=storage, opposition=MemoryOppositionList())
            driver = AppDriver(app, board.hands)
            play(driver, day_scenario(self.visits, done, self.cps, self.patients))
            for r in journal.records_after(0, 0, 0, None):
                done[self.key_of(r.payload)] = r.rec_no
            evening_sync(journal, log, report, done, today(play_board.clock))
            play_board.clock.set(START + PURGE_AFTER)  # the clock moved on, then the purge
            purge_day = today(play_board.clock)
        else:
            purge_day = _day_of(START + PURGE_AFTER)
        report.purging(purge_day)
        journal.purge(purge_day)
        return journal, log

    def final_check(self, journal, log):
        return end_of_day_problems(journal, log, self.key_of, self.visits, 2 * self.visits)

    def check_payload(self, payload):
        """In the bench's parent (CPython): the stored bundle's signatures verify with
        `cryptography` against the fixture cards' certificates, issued by the test root."""
        from emulator.cards.signatures import bundle_problems

        return bundle_problems(payload, [CPS[0]] + [p[0] for p in PATIENTS])


def _day_of(epoch):
    y, m, d = dates.paris_date(epoch)
    return y * 10000 + m * 100 + d


class Cps3VisitDay(VisitDay):
    """The same day with the real cards' profiles (docs/cards.md "Real cards"): a CPS3
    signing RS256, Cartes Vitale 2 signing by being read, the fund typed at each visit."""

    name = "visits-cps3"
    cps = ("cps3-gp", "3719")
    patients = (
        ("vitale2-family", "LEFEBVRE MARC", 1, "011690000"),
        ("vitale2-family", "LEFEBVRE MARC", 2, "011690000"),
    )

    def check_payload(self, payload):
        """The CPS3's RSA signature and the Vitale 2's reading, verified as the practice PC
        does with the look-alike IGC-Santé installed (host_agent/verify.py)."""
        from emulator.cards import fixtures, igc
        from host_agent import trust, verify

        cps3, vitale2 = fixtures.make(self.cps[0]), fixtures.make(self.patients[0][0])
        lookalike = igc.lookalike()
        trusted = trust.Trust(None, [lookalike.root_cert], [lookalike.ca_cert])
        day = sheet.decode(bundle.decode(payload).sheet).completion
        result = verify.Verifier([cps3.cert, vitale2.cert], trusted).verify(payload, day)
        return [] if result.ok else [result.reason]
