"""Returns as hostile input (host_agent/returns.py): a valid return with one value replaced
by anything JSON can hold, a field added or dropped, or its bytes cut, is either applied
or refused with a ReturnError (one line, English and French), and a refusal leaves every
row as it was. No other exception ever comes out."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host_agent import returns
from tests import lots_kit as kit
from tests import returns_kit as rk

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


def _paths(value, at=()):
    """Every place in a JSON value: tuples of keys and indexes."""
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, at + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, at + (i,))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


def test_a_mutated_return_is_applied_or_refused_whole(tmp_path):
    store = rk.sent_store(tmp_path)
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheets = rk.members(store, lot)
    base = json.loads(rk.return_bytes(
        rk.PARIS, [rk.lot_entry(lot)],
        [rk.paid(lot, sheets[0]), rk.sheet_entry(lot, sheets[1], "rejected", code="R1", label="x")],
    ))
    places = list(_paths(base))
    seen = {"applied": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(places), JSON, st.integers(0, 3), st.integers(0, 400))
    def one(place, new, how, cut):
        if how == 0:
            data = json.dumps(_replace(base, place, new)).encode()
        elif how == 1:  # a field the format does not have
            data = json.dumps(dict(base, **{"x-%s" % type(new).__name__: new})).encode()
        elif how == 2:
            data = json.dumps(base).encode()[:cut]  # cut short
        else:
            data = json.dumps(new).encode()
        before = rk.snapshot(store)
        try:
            returns.apply(store, data, "fuzz.json", kit.NOW + 3600)
            seen["applied"] += 1
        except returns.ReturnError as e:
            seen["refused"] += 1
            assert "\n" not in str(e) and "\n" not in e.french and e.exit_code == 1
            assert rk.snapshot(store) == before

    one()
    print(seen)
    assert seen["refused"] > 50
    # The return itself was good all along: it applies, and its answers are there.
    outcome = returns.apply(store, json.dumps(base).encode(), "good.json", kit.NOW + 7200)
    assert {a.result for a in outcome.sheets} == {"paid", "rejected"}
    store.close()
