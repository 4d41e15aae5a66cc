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


def intersect_runs(a, b):
    """Ascending disjoint runs -> the runs of numbers in both (no per-number list)."""
    out = []
    i = k = 0
    while i < len(a) and k < len(b):
        lo = max(a[i][0], b[k][0])
        hi = min(a[i][0] + a[i][1], b[k][0] + b[k][1])
        if lo < hi:
            out.append([lo, hi - lo])
        if a[i][0] + a[i][1] < b[k][0] + b[k][1]:
            i += 1
        else:
            k += 1
    return out


def subtract_runs(a, b):
    """Ascending disjoint runs `a` minus those of `b`: a gap of millions of numbers costs
    a few runs, never a set of every number (firmware/journal_read.py recover())."""
    out = []
    k = 0
    for first, count in a:
        at, end = first, first + count
        while k < len(b) and b[k][0] + b[k][1] <= at:
            k += 1
        j = k
        while j < len(b) and b[j][0] < end:
            if b[j][0] > at:
                out.append([at, b[j][0] - at])
            at = max(at, b[j][0] + b[j][1])
            j += 1
        if at < end:
            out.append([at, end - at])
    return out


def in_runs(n, runs):
    """True when `n` lies in one of the ascending disjoint `runs` (bisection)."""
    lo, hi = 0, len(runs)
    while lo < hi:
        mid = (lo + hi) // 2
        first, count = runs[mid]
        if n < first:
            hi = mid
        elif n >= first + count:
            lo = mid + 1
        else:
            return True
    return False
