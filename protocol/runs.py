"""Runs of record numbers, the form ACK, STATUS and the journal's state records carry."""


def runs_of(numbers):
    """Ascending distinct ints -> [[first, count], ...]."""
    out = []
    for n in numbers:
        if out and out[-1][0] + out[-1][1] == n:
            out[-1][1] += 1
        else:
            out.append([n, 1])
    return out
