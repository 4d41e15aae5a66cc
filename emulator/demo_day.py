"""Which day the demo's round is played on: the last working day whose round is over by
now, at the scenario's own time of day. The terminal, the sheets, the agent's deadlines and
the lots' stamps then all speak of the same real days: the demo's sheets are never weeks
old on the day their lots are sent (R161-47 I 1°: the deadlines run from the care date),
and never dated after the PC's clock.
"""

import time

from protocol import dates, workdays

MARGIN_S = 600  # the round ended at least this long before now


def round_length(scenario) -> int:
    """Seconds from the scenario's start to its last step (its `advance` steps summed)."""
    steps = list(scenario.get("setup", []))
    for visit in scenario["visits"]:
        steps += visit.get("steps", [])
    steps += scenario.get("teardown", [])
    return sum(int(s.get("advance", 0)) for s in steps)


def start_on(day, seconds_of_day) -> int:
    """The epoch of `seconds_of_day` French legal time on day number `day`."""
    guess = day * 86400 + seconds_of_day
    return guess - dates.paris_offset(guess - 3600)


def last_round_start(scenario, now=None) -> int:
    """The start epoch for `scenario` moved to the last working day (Monday to Friday,
    public holidays excepted) on which its whole round is over by `now` (default: the
    clock), at the same French time of day as its own start."""
    now = int(time.time() if now is None else now)
    start = int(scenario["start"])
    seconds_of_day = (start + dates.paris_offset(start)) % 86400
    length = round_length(scenario)
    day = dates.paris_day(now)
    for _ in range(30):  # at most a fortnight of holidays and weekends
        candidate = start_on(day, seconds_of_day)
        if candidate + length + MARGIN_S <= now and workdays.is_working_day(dates.days_to_ymd(day)):
            return candidate
        day -= 1
    raise ValueError("no working day in the last 30 days")  # cannot happen: weeks have 5


def moved(scenario, start) -> dict:
    """`scenario` starting at `start` (its `clock` steps moved by as much)."""
    delta = start - int(scenario["start"])

    def step(s):
        return dict(s, clock=s["clock"] + delta) if "clock" in s else s

    out = dict(scenario, start=start)
    for part in ("setup", "teardown"):
        out[part] = [step(s) for s in scenario.get(part, [])]
    out["visits"] = [
        dict(v, steps=[step(s) for s in v.get("steps", [])]) for v in scenario["visits"]
    ]
    return out
