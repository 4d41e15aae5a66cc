"""host_agent/errors.py: every typed refusal of the agent is an AgentError, with its English
message (the CLI's), a French one (`.french`, the practice's pages) and its exit code,
unchanged from before the reshape (docs/agent.md "Errors and exit codes")."""

import pytest

from host_agent import (
    acks,
    client,
    errors,
    lots,
    pair,
    sealing,
    sending,
    settings,
    transport,
    workspace,
)
from host_agent.store import StoreError

TYPED = [
    (errors.SyncError, errors.EXIT_REFUSED),
    (StoreError, errors.EXIT_DATABASE),
    (lots.LotError, errors.EXIT_REFUSED),
    (sealing.SealError, errors.EXIT_CARD),
    (sending.SendError, errors.EXIT_SEND),
    (acks.AckError, errors.EXIT_REFUSED),  # returns.ReturnError
    (pair.PairError, errors.EXIT_REFUSED),
    (client.LinkError, errors.EXIT_LINK),
    (transport.TransportError, errors.EXIT_LINK),
]


def test_the_exit_codes_are_the_documented_ones():
    names = ("REFUSED", "VERSION", "CARD", "SEND", "LINK", "DATABASE", "LIMIT", "FINDINGS")
    codes = [getattr(errors, "EXIT_" + n) for n in (*names, "OVERDUE", "SETTINGS", "INTERNAL")]
    assert codes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 70]
    refused = settings.SettingsError("settings: x", "réglages : x")
    assert refused.exit_code == errors.EXIT_SETTINGS and refused.french == "réglages : x"


@pytest.mark.parametrize("kind, code", TYPED, ids=[k.__name__ for k, _ in TYPED])
def test_each_typed_error_speaks_english_and_french(kind, code):
    e = kind("the lot is no longer open")
    assert isinstance(e, errors.AgentError)
    assert str(e) == "the lot is no longer open" and e.exit_code == code
    assert e.french and e.french != str(e)  # a French sentence for the pages
    told = kind("x", exit_code=errors.EXIT_VERSION, french="Le terminal parle une autre version.")
    assert told.exit_code == errors.EXIT_VERSION
    assert told.french == "Le terminal parle une autre version."


def test_a_missing_database_is_said_in_both_languages(tmp_path):
    with pytest.raises(errors.AgentError) as refused:
        workspace.open_store(tmp_path / "typo.db")
    assert refused.value.exit_code == errors.EXIT_DATABASE
    assert "no database at" in str(refused.value)
    assert refused.value.french.startswith("Aucune base de données")
    assert not (tmp_path / "typo.db").exists()
