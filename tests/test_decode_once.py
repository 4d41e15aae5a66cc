"""A sheet's signed bundle is decoded once on its way from the sync to a lot (issue 12):
the verification decodes it, the decoded bundle and sheet travel with the batch to the
store, and a lot reads the values already in its columns. Counted with a wrapper around
protocol.bundle.decode and protocol.sheet.decode over a whole sync and a lot build; a sync
after a prescription was kept decodes no sheet of a patient it did not bring (the round
counts again only the series of the patients just filed, and none when nothing was)."""

from collections import Counter

from host_agent import lots, round_plan
from protocol import bundle, sheet
from tests import lots_kit
from tests import sync_kit as kit


def _counting(monkeypatch):
    calls = Counter()
    for module in (bundle, sheet):
        real = module.decode

        def counted(data, _real=real, _name=module.__name__):
            calls[_name] += 1
            return _real(data)

        monkeypatch.setattr(module, "decode", counted)
    return calls


def test_a_synced_sheet_is_decoded_once_then_lots_read_its_columns(tmp_path, monkeypatch):
    world, store, root = kit.paired_world(tmp_path)
    kit.add_sheets(world.app.storage, 12)
    calls = _counting(monkeypatch)
    summary = kit.agent(world, store, root).run()
    assert summary.filed == 12
    # The verification's decode, once a sheet (the agent decodes no other bundle in a sync).
    assert calls == {"protocol.bundle": 12, "protocol.sheet": 12}, calls
    calls.clear()
    made = lots.build(store, kit.NOW)
    assert sum(r["sheets"] for r in made) == 12
    # Building checks each stored sheet's bytes against its columns once (host_agent/check.py
    # stored_problem), and takes professional, fund and amounts from the columns.
    assert calls == {"protocol.bundle": 12, "protocol.sheet": 12}, calls
    store.add_prescription(
        round_plan.new_prescription(
            professional=lots_kit.professional("nurse"),
            insured=lots_kit.make_sheet("nurse", "single", 1).insured,  # 3 sheets filed
            dependant="",
            name="Single",
            prescriber="10009876543",
            day=20261102,
            ref="1102",
            acts="AMI 2 1",
            sessions=10,
        )
    )
    calls.clear()
    kit.add_sheets(world.app.storage, 2, seed=1)  # "family" and "cover-consent"
    again = kit.agent(world, store, root).run()
    assert again.filed == 2 and again.series_complete == []
    assert calls == {"protocol.bundle": 2, "protocol.sheet": 2}, calls
    calls.clear()
    nothing = kit.agent(world, store, root).run()
    assert nothing.filed == 0
    assert calls == {}, calls
