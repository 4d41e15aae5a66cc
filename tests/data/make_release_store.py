"""Makes tests/data/release-6.db: a practice database exactly as today's release (schema
version 6 of the numbered SQLite migrations, before Alembic) leaves it, with rows in every
kind of table: two terminals' sheets, certificates, a pairing and a revoked one, lots open,
sealed and sent, a paper duplicate, an opposition list, access-log entries, a sync session,
a prescription and a round. tests/test_store_release_upgrade.py opens it with this agent.

Made once, at commit 660e6a4 (main before the store moved to SQLAlchemy), with
    .venv/bin/python tests/data/make_release_store.py tests/data/release-6.db
It is committed: the code of that release is what made it, not the code of today.
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lots_kit as kit  # noqa: E402

from host_agent import lots, sending  # noqa: E402
from host_agent.answers import LogEntry  # noqa: E402
from protocol import cbor  # noqa: E402
from protocol.pairing import Pairing  # noqa: E402


def main(out: Path) -> None:
    store, filed = kit.store_with_day(out)
    first = min(filed)
    lots.record_duplicate(store, first, kit.NOW, "printed for the patient")
    store.save_pairing("TLA-NURSE-01", Pairing(b"\x01" * 8, b"\x11" * 32, "x"), "agent@pc1")
    store.save_pairing("TLA-NURSE-01", Pairing(b"\x02" * 8, b"\x22" * 32, "x"), "agent@pc1")
    store.save_pairing("TLA-GP-01", Pairing(b"\x03" * 8, b"\x33" * 32, "x"), "agent@pc1")
    lots.build(store, kit.NOW, despite_duplicate=())
    kit.seal_all(store, "nurse")
    nurse_lots = lots.all_lots(store, (lots.SEALED,))
    with tempfile.TemporaryDirectory() as tmp:
        sending.send(store, sending.Outbox(tmp), nurse_lots[0], kit.NOW + 120)
    store.replace_opposition([b"\x00\x00\x00\x00\x07", b"\x12\x34\x56\x78\x9a"], "list.txt")
    terminal_id = store.terminal("TLA-NURSE-01")
    sync_id = store.start_sync(terminal_id)
    store.end_sync(sync_id, "ok", None, 4096)
    store.add_log(terminal_id, _entries())
    store.add_prescription(
        {
            "professional": kit.professional("nurse"),
            "insured": "185057512345678",
            "beneficiary": None,
            "name": "MARTIN Jeanne",
            "prescriber": "10009876543",
            "day": 20261101,
            "ref": "ORD-1",
            "acts": "AMI 200 1,IFD 100 0",
            "sessions": 10,
        }
    )
    prescription = store.prescriptions()[0]["id"]
    store.save_round(terminal_id, kit.professional("nurse"), 20261119, b"\x81\x00", [prescription])
    store.set_setting("agent_id", "tla-agent@release-6")
    store.close()


def _entries():
    """Two linked access-log entries, as a terminal sends them."""
    prev, out = b"\x00" * 32, []
    for number in (1, 2):
        body = prev + cbor.encode([number, kit.NOW, "10006543218", "vitale", "12345", "read"])
        entry = LogEntry(body, prev)
        out.append(entry)
        prev = entry.chain
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]))
