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


def merge_runs(runs):
    """Any runs [first, count] (overlapping, in any order) -> ascending disjoint runs."""
    out = []
    for first, count in sorted([list(r) for r in runs]):
        if count <= 0:
            continue
        if out and first <= out[-1][0] + out[-1][1]:
            out[-1][1] = max(out[-1][0] + out[-1][1], first + count) - out[-1][0]
        else:
            out.append([first, count])
    return out
