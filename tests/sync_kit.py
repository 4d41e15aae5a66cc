"""Helpers of the sync tests and bench: signed sheets written straight into a terminal's
journal (as the visit flow leaves them), a paired terminal and agent in the in-process
simulation (emulator/linksim.py), and the checks of exactly once.

Sheets come from tests/lots_kit.py (fixture cards' keys, real signatures).
"""

from pathlib import Path

from emulator.linksim import Faults, World
from firmware.journal import ACKED, REJECTED
from host_agent.client import LinkClient
from host_agent.pair import pair
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.sync_parts import load_root
from tests import lots_kit

SERIAL = lots_kit.TERMINALS["nurse"]  # the sheets name their terminal: the agent checks it
PATIENTS = ("single", "family", "cover-consent", "no-key", "no-copies")
NOW = lots_kit.NOW


def write_root(folder: Path) -> Path:
    path = Path(folder) / "root.der"
    path.write_bytes(lots_kit.root_der())
    return path


def add_sheets(storage, n, seed=0, tamper=(), patients=PATIENTS, terminal=SERIAL):
    """Save `n` signed sheets in the terminal's journal (and their certificates), as the
    visit flow does, for `patients` in turn (fixture Vitale cards); `tamper`: indexes
    (0-based, of this call) whose stored bytes get one byte changed, as someone with the
    flash in hand would. Returns {rec_no: bundle bytes}."""
    journal, certs = storage.journal, storage.certs
    pro_id = lots_kit.professional("nurse")
    saved = {}
    for i in range(n):
        patient = patients[(seed + i) % len(patients)]
        order_no = journal.reserve_order(pro_id)
        third_party = (seed + i) % 3 == 0
        sheet = lots_kit.make_sheet("nurse", patient, order_no, lots_kit.DAY, third_party)
        sheet.terminal = terminal  # the sheets name the terminal that saved them
        signed = lots_kit.sign(sheet, "nurse", patient)
        certs.add(lots_kit.card("nurse").cert)
        vitale = lots_kit.card(patient)
        if vitale.key is not None:
            certs.add(vitale.cert)
        if i in tamper:
            bad = bytearray(signed)
            bad[len(bad) // 2] ^= 0x01
            signed = bytes(bad)
        rec_no = journal.append_sheet(signed, order_no, pro_id, lots_kit.DAY, third_party)
        saved[rec_no] = signed
    return saved


def agent(world, store, root, kill_at=0, **options):
    """A Syncer talking to `world`'s terminal (virtual clock, seeded nonces)."""
    link = LinkClient(world.agent_port(kill_at=kill_at), clock=world.monotonic)
    return Syncer(store, root, link, rng=world.random_bytes, wall_clock=lambda: NOW, **options)


def pair_in_world(world, store):
    """Open the pairing screen (MENU, 1), pair, confirm on both sides."""
    world.press("MENU", "1")
    world.run_for(0.1)
    link = LinkClient(world.agent_port(), clock=world.monotonic)

    def confirm(code, serial):
        assert world.app.pairing.attempt.code == code, "the two codes differ"
        world.press("OK")
        return True

    serial, _ = pair(link, store, confirm, rng=world.random_bytes, sleep=world.run_for)
    world.press("OK")  # close the "paired" screen
    world.run_for(0.1)
    return serial


def paired_world(tmp: Path, seed=0, faults=None, db=None, **world_options):
    """(world, store, root certificate): a terminal paired with an agent's fresh store (at
    `db` when given: tests/postgres_fixtures.py's db_where)."""
    world = World(serial=SERIAL, seed=seed, faults=faults or Faults.none(), **world_options)
    store = Store(db or Path(tmp) / ("agent-%d.db" % seed))
    pair_in_world(world, store)
    return world, store, load_root(write_root(tmp))


def terminal_states(world):
    """{rec_no: state} of every sheet the terminal's journal holds."""
    j = world.app.storage.journal
    return {r.rec_no: r.status for r in j.headers(None)}


def host_records(store, serial=SERIAL):
    """({rec_no: bundle} filed, {rec_no: [bundles]} quarantined) for this terminal."""
    t = store.terminal_row(serial)
    filed = {}
    for r in store.db.execute(
        "SELECT record_no, bundle FROM sheets WHERE terminal_id = ?", (t["id"],)
    ):
        assert r[0] not in filed, "record %d filed twice" % r[0]
        filed[r[0]] = bytes(r[1])
    quarantined: dict = {}
    for r in store.db.execute(
        "SELECT record_no, bundle FROM quarantine WHERE terminal_id = ?", (t["id"],)
    ):
        quarantined.setdefault(r[0], []).append(bytes(r[1]))
    return filed, quarantined


def check_marks(world, store):
    """What the terminal marked is committed here: acknowledged = filed, rejected =
    quarantined (never a mark before the commit). Returns the problems found."""
    problems = []
    filed, quarantined = host_records(store)
    for rec_no, state in terminal_states(world).items():
        if state == ACKED and rec_no not in filed:
            problems.append("record %d acknowledged on the terminal, not filed" % rec_no)
        if state == REJECTED and rec_no not in quarantined:
            problems.append("record %d rejected on the terminal, not in quarantine" % rec_no)
    return problems


def check_exactly_once(world, store, saved, tampered=()):
    """The end of a run: the host holds exactly the sheets the terminal saved, each once,
    byte for byte (tampered ones in quarantine), and the terminal marked exactly those."""
    problems = check_marks(world, store)
    filed, quarantined = host_records(store)
    states = terminal_states(world)
    for rec_no, data in saved.items():
        if rec_no in tampered:
            if quarantined.get(rec_no) != [data] or rec_no in filed:
                problems.append("tampered record %d not quarantined once" % rec_no)
            if states.get(rec_no) != REJECTED:
                problems.append("tampered record %d not marked rejected" % rec_no)
        else:
            if filed.get(rec_no) != data or rec_no in quarantined:
                problems.append("record %d not filed once, byte for byte" % rec_no)
            if states.get(rec_no) != ACKED:
                problems.append("record %d not marked acknowledged" % rec_no)
    extra = (set(filed) | set(quarantined)) - set(saved)
    if extra:
        problems.append("the host holds records the terminal never saved: %s" % sorted(extra))
    return problems


def faults_for(seed):
    """Seeded fault rates of one run: each of drop, flip, truncate, duplicate and unplug
    happens to a few percent of the frames, differently for every seed."""
    import random

    r = random.Random(seed * 7919 + 17)
    return Faults(
        random.Random(seed * 104729 + 3),
        drop=r.uniform(0, 0.05),
        flip=r.uniform(0, 0.05),
        truncate=r.uniform(0, 0.03),
        duplicate=r.uniform(0, 0.03),
        cut=r.uniform(0, 0.02),
        cut_s=r.uniform(0.2, 3.0),
    )


def run_faulty(seed, tmp, attempts=6):
    """One exactly-once run: a paired terminal with a few dozen sheets (one maybe tampered),
    synced over a faulty cable, the agent killed at seeded points (between a commit and its
    ACK among them), the terminal rebooted and new sheets saved between attempts; then a
    last sync on a quiet line. Returns (problems, stats)."""
    import random

    from emulator.linksim import Killed
    from host_agent.client import LinkError
    from host_agent.errors import SyncError

    r = random.Random(seed)
    world, store, root = paired_world(tmp, seed)
    faults = faults_for(seed)
    world.t2h.faults = world.h2t.faults = faults
    tamper = (r.randrange(5),) if r.random() < 0.3 else ()
    saved = add_sheets(world.app.storage, r.randrange(5, 30), seed, tamper)
    tampered = {sorted(saved)[i] for i in tamper}
    stats = {"attempts": 0, "failed": 0, "killed": 0, "reboots": 0, "restarts": 0}
    problems = []
    for attempt in range(attempts + 1):
        last = attempt == attempts
        if last:
            faults.quiet()
        elif attempt and r.random() < 0.3:
            saved.update(add_sheets(world.app.storage, r.randrange(1, 4), seed + attempt))
        if not last and r.random() < 0.15:
            world.boot()
            stats["reboots"] += 1
        kill_at = 0 if last or r.random() < 0.6 else r.randrange(5, 200)

        def after_commit(rec_nos, r=r, last=last):
            if last:
                return
            if r.random() < 0.2:
                raise Killed("agent killed between a commit and its acknowledgement")
            if r.random() < 0.1:
                world.boot()  # the terminal reboots in the middle of the sync
                stats["reboots"] += 1

        stats["attempts"] += 1
        try:
            summary = agent(world, store, root, kill_at, after_commit=after_commit).run()
            stats["restarts"] += summary.restarts
        except Killed:
            stats["killed"] += 1
            store.close()
            store = Store(store.path)  # the agent starts again
        except (LinkError, SyncError):
            stats["failed"] += 1
        problems += check_marks(world, store)
        if last:
            break
        world.run_for(r.uniform(0, 2))  # a faulty line may leave a stream half sent
    problems += check_exactly_once(world, store, saved, tampered)
    stats["faults"] = dict(faults.counts)
    stats["sheets"] = len(saved)
    store.close()
    return problems, stats


def tamper_on_flash(storage, rec_no):
    """Change one byte of the stored sheet `rec_no` in its journal file, with the record's
    CRC recomputed, as someone with the flash in hand would (reboot the terminal after)."""
    from firmware import journal, records

    fs = storage.fs
    for name in fs.listdir(journal.DIR):
        if not records.is_hex_name(name):
            continue
        path = journal.DIR + "/" + name
        f = fs.open(path, "rb")
        data = f.read()
        f.close()
        with records.RecordFile(fs, path) as rf:
            found = [
                (b, o) for t, b, o in rf if t == journal.T_SHEET and records.u32(b, 0) == rec_no
            ]
        if found:
            body, offset = found[0]
            bad = bytearray(body)
            bad[18 + (len(body) - 18) // 2] ^= 0x01  # in the signed bundle, past the header
            end = offset + records.OVERHEAD + len(body)
            f = fs.open(path, "wb")
            f.write(data[:offset] + records.frame(journal.T_SHEET, bytes(bad)) + data[end:])
            f.close()
            return
    raise KeyError("no sheet %d on the flash" % rec_no)


def flash_image(path, n, serial=SERIAL):
    """A terminal's flash image file holding `n` saved sheets; {rec_no: bundle}."""
    from emulator.simboard import SimBoard
    from firmware.storage import Storage

    with open(path, "w+b") as f:
        saved = add_sheets(
            Storage(SimBoard(serial_number=serial, flash_store=f)), n, terminal=serial
        )
    return saved


def store_records(db_path, serial=SERIAL):
    """host_records() of a database file, opened afresh."""
    store = Store(db_path)
    try:
        return host_records(store, serial)
    finally:
        store.close()


def pair_over_port(terminal, store, port):
    """Pair an emulated terminal (emulator/terminal.py) with `store` over its pty."""
    import time

    from host_agent.transport import open_port

    terminal.press("MENU")
    terminal.press("1")
    deadline = time.monotonic() + 20
    while terminal.screen[0] != "Appairage d'un PC":
        assert time.monotonic() < deadline, "no pairing screen"
        time.sleep(0.02)
    link = LinkClient(open_port(port))

    def confirm(code, serial):
        while not terminal.screen[0].startswith("Code: "):
            time.sleep(0.02)
        assert terminal.screen[0] == "Code: %s %s" % (code[:3], code[3:])
        terminal.press("OK")
        return True

    try:
        serial = pair(link, store, confirm)[0]
    finally:
        link.port.close()
    terminal.press("OK")
    return serial
