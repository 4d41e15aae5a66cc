"""The SQLite-only numbered migrations of the releases before Alembic, each bringing PRAGMA
user_version from i to i + 1. Frozen: a file they made (1 to 6) is brought to 6 by them,
then handed over to the Alembic revisions (host_agent/store/migrations/; docs/agent.md "The
database"). New changes of the schema are Alembic revisions, never a 7th entry here."""

MIGRATIONS: list[str] = [
    # 1: the sync issue's tables
    """
    CREATE TABLE terminals (
        id INTEGER PRIMARY KEY,
        serial TEXT NOT NULL UNIQUE,
        model TEXT,
        firmware TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_sync INTEGER,                          -- end of the last complete sync
        cursor INTEGER NOT NULL DEFAULT 0,          -- last record number committed
        access_cursor INTEGER NOT NULL DEFAULT 0,   -- last access-log entry committed
        pending INTEGER,                            -- sheets it held unacknowledged at last sync
        rejected INTEGER,                           -- rejected sheets it still shows
        opposition INTEGER NOT NULL DEFAULT 0,      -- version of the opposition list it holds
        clock_offset INTEGER                        -- its clock minus ours before SET_TIME, s
    );
    CREATE TABLE pairings (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        pairing_id BLOB NOT NULL UNIQUE,
        pairing_key BLOB NOT NULL,                  -- secret: the file is created 0600
        agent_id TEXT NOT NULL,                     -- the name this agent gave itself
        created INTEGER NOT NULL,
        revoked INTEGER
    );
    CREATE TABLE certificates (
        cert_id BLOB PRIMARY KEY,                   -- first 8 bytes of SHA-256 of der
        der BLOB NOT NULL,
        subject TEXT NOT NULL,
        received INTEGER NOT NULL
    );
    CREATE TABLE sheets (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        record_no INTEGER NOT NULL,                 -- the terminal's journal record number
        bundle BLOB NOT NULL,                       -- exact signed bytes, as received
        digest BLOB NOT NULL UNIQUE,                -- SHA-256 of the sheet bytes
        order_no INTEGER NOT NULL,
        professional TEXT NOT NULL,
        situation INTEGER NOT NULL,
        insured TEXT NOT NULL,
        beneficiary TEXT,                           -- "birth/rank" of a dependant, else NULL
        fund TEXT NOT NULL,
        completion INTEGER NOT NULL,                -- YYYYMMDD
        payment INTEGER NOT NULL,
        fees INTEGER NOT NULL,                      -- cents
        third_party INTEGER NOT NULL,               -- cents
        signed_by_patient INTEGER NOT NULL,
        received INTEGER NOT NULL,
        sync_id INTEGER,                            -- the sync that brought it
        acked INTEGER,                              -- when the terminal confirmed our ACK
        UNIQUE (terminal_id, record_no),
        UNIQUE (terminal_id, professional, order_no)
    );
    CREATE INDEX sheets_completion ON sheets(completion);
    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        record_no INTEGER NOT NULL,
        bundle BLOB NOT NULL,                       -- the bytes as received, never deleted
        bundle_digest BLOB NOT NULL,                -- SHA-256 of those bytes
        reason TEXT NOT NULL,
        received INTEGER NOT NULL,
        sync_id INTEGER,
        acked INTEGER,                              -- when the terminal confirmed our ACK
        UNIQUE (terminal_id, record_no, bundle_digest)
    );
    CREATE TABLE access_log (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        entry_no INTEGER NOT NULL,
        at INTEGER NOT NULL,
        who TEXT NOT NULL,
        card TEXT NOT NULL,
        card_id TEXT NOT NULL,
        what TEXT NOT NULL,
        prev BLOB NOT NULL,                         -- SHA-256 of the previous entry (link)
        chain BLOB NOT NULL,                        -- SHA-256 of this entry
        chain_ok INTEGER NOT NULL,                  -- 0: the link to the previous entry broke
        UNIQUE (terminal_id, entry_no)
    );
    CREATE TABLE sync_sessions (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER REFERENCES terminals(id),
        started INTEGER NOT NULL,
        ended INTEGER,
        status TEXT NOT NULL,                       -- running, ok, interrupted, failed
        sheets INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE TABLE opposition_versions (
        version INTEGER PRIMARY KEY,                -- 1, 2, ...: what terminals hold
        created INTEGER NOT NULL,
        count INTEGER NOT NULL,
        sha256 BLOB NOT NULL,                       -- of the sorted 5-byte entries
        source TEXT NOT NULL
    );
    CREATE TABLE opposition (
        entry BLOB PRIMARY KEY                      -- a card serial, 5 bytes (sorted order)
    ) WITHOUT ROWID;
    CREATE TABLE opposition_changes (
        version INTEGER NOT NULL,
        entry BLOB NOT NULL,
        added INTEGER NOT NULL,                     -- 1 added in this version, 0 removed
        PRIMARY KEY (version, entry)
    ) WITHOUT ROWID;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: lots, their sending, the funds' acknowledgements, retention (docs/lots.md)
    """
    CREATE TABLE lot_numbers (
        professional TEXT PRIMARY KEY,
        last INTEGER NOT NULL                       -- the last lot number given, never again
    );
    CREATE TABLE lots (
        id INTEGER PRIMARY KEY,
        professional TEXT NOT NULL,
        number INTEGER NOT NULL,                    -- per professional, never reused
        fund TEXT NOT NULL,
        status TEXT NOT NULL,                       -- open, sealed, sent, acknowledged, rejected
        built INTEGER NOT NULL,
        sheets INTEGER NOT NULL,
        fees INTEGER NOT NULL,                      -- cents
        third_party INTEGER NOT NULL,               -- cents
        sealed INTEGER,
        cps_cert BLOB,                              -- id of the certificate of the sealing CPS
        file BLOB,                                  -- the sealed lot file, NULL once purged
        file_digest BLOB,                           -- SHA-256 of the sealed lot file
        sent INTEGER,
        sent_via TEXT,
        acked INTEGER,
        ack_reason TEXT,
        purged INTEGER,
        UNIQUE (professional, number)
    );
    CREATE TABLE lot_sheets (
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        sheet_id INTEGER NOT NULL REFERENCES sheets(id),
        position INTEGER NOT NULL,
        released INTEGER,                           -- when a negative acknowledgement freed it
        PRIMARY KEY (lot_id, sheet_id)
    );
    CREATE UNIQUE INDEX lot_sheets_one_lot ON lot_sheets(sheet_id) WHERE released IS NULL;
    CREATE TABLE lot_sendings (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        at INTEGER NOT NULL,
        via TEXT NOT NULL,                          -- outbox, smtp
        destination TEXT NOT NULL,
        ok INTEGER NOT NULL,
        error TEXT
    );
    CREATE TABLE fund_acks (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        imported INTEGER NOT NULL,
        accepted INTEGER NOT NULL,
        day INTEGER NOT NULL,                       -- the fund's date, YYYYMMDD
        reason TEXT,
        source TEXT NOT NULL                        -- name of the file imported
    );
    ALTER TABLE sheets ADD COLUMN purged INTEGER;   -- when the electronic double was deleted
    """,
    # 3: paper duplicates, kept out of electronic lots (R161-47 I: never billed twice)
    """
    CREATE TABLE paper_duplicates (
        id INTEGER PRIMARY KEY,
        sheet_id INTEGER NOT NULL REFERENCES sheets(id),
        made INTEGER NOT NULL,
        reason TEXT
    );
    ALTER TABLE lot_sheets ADD COLUMN despite_duplicate INTEGER;  -- the user said: send it too
    """,
    # 4: the funds' returns, per return file and per sheet (docs/returns.md)
    """
    CREATE TABLE fund_returns (
        id INTEGER PRIMARY KEY,
        fund TEXT NOT NULL,
        reference TEXT,                             -- the fund's own id of the return
        issued INTEGER NOT NULL,                    -- the fund's date, YYYYMMDD
        imported INTEGER NOT NULL,
        digest BLOB NOT NULL,                       -- SHA-256 of the file as imported
        source TEXT NOT NULL                        -- the file's name, or the message's
    );
    CREATE TABLE sheet_returns (
        id INTEGER PRIMARY KEY,
        return_id INTEGER NOT NULL REFERENCES fund_returns(id),
        sheet_id INTEGER NOT NULL REFERENCES sheets(id),
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        result TEXT NOT NULL,                       -- accepted, rejected, paid
        day INTEGER NOT NULL,                       -- the fund's date, YYYYMMDD
        code TEXT,                                  -- a rejection's reason code
        label TEXT,                                 -- a rejection's reason, the fund's words
        amount INTEGER                              -- paid: cents
    );
    CREATE INDEX sheet_returns_sheet ON sheet_returns(sheet_id, lot_id);
    """,
    # 5: the day's round (docs/round.md): prescriptions, rounds prepared, their entries
    """
    CREATE TABLE prescriptions (
        id INTEGER PRIMARY KEY,
        professional TEXT NOT NULL,                 -- whose round it goes into (11 digits)
        insured TEXT NOT NULL,                      -- NIR of the insured, with its key
        beneficiary TEXT,                           -- "birth/rank" of a dependant, else NULL
        name TEXT NOT NULL,                         -- the patient, as the round shows it
        prescriber TEXT NOT NULL,
        day INTEGER NOT NULL,                       -- the prescription's date, YYYYMMDD
        ref TEXT NOT NULL,
        acts TEXT NOT NULL,                         -- "AMI 200 1,IFD 100 0": code, coef, rank
        sessions INTEGER NOT NULL,                  -- prescribed
        created INTEGER NOT NULL,
        UNIQUE (insured, prescriber, day, ref)
    );
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,                     -- the round id the terminal holds
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        professional TEXT NOT NULL,
        day INTEGER NOT NULL,
        entries BLOB NOT NULL,                      -- the entries' CBOR array, as sent
        created INTEGER NOT NULL,
        sent INTEGER,                               -- when the terminal took it whole
        reported INTEGER                            -- when its visits done were counted back
    );
    CREATE TABLE round_entries (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        idx INTEGER NOT NULL,
        prescription_id INTEGER REFERENCES prescriptions(id),
        record_no INTEGER,                          -- the sheet the terminal saved from it
        PRIMARY KEY (round_id, idx)
    );
    """,
    # 6: the practice situation is a 9-digit text that may start with 0 (R161-42 2°), not
    # a number: made TEXT, the numbers stored by migrations 1-5 given back their zeros
    # (12345678 -> '012345678'). SQLite changes no column's type: a new column takes the
    # values, the old one goes (DROP COLUMN: SQLite 3.35, 2021), the new one takes its name.
    """
    ALTER TABLE sheets ADD COLUMN situation_text TEXT NOT NULL DEFAULT '';
    UPDATE sheets SET situation_text = CASE
        WHEN typeof(situation) = 'integer' AND situation BETWEEN 0 AND 999999999
            THEN printf('%09d', situation)
        ELSE CAST(situation AS TEXT) END;
    ALTER TABLE sheets DROP COLUMN situation;
    ALTER TABLE sheets RENAME COLUMN situation_text TO situation;
    """,
]


def statements(script: str) -> list[str]:
    """The statements of one migration's script, comments taken out."""
    out = []
    for part in script.split(";"):
        lines = [line.split("--", 1)[0] for line in part.splitlines()]
        text = "\n".join(lines).strip()
        if text:
            out.append(text)
    return out
