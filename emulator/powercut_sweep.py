"""A sweep of the power-cut bench: every first cut of a workload (or one in N), each with
its chain of cuts (emulator/powercut_chain.py: one cut, or linear with cuts in the
recovery boots), shared among worker processes. The workers are forked with the sweep's
pid and ask Linux to kill them if the sweep dies (emulator/procgroup.py): a killed sweep
leaves nothing cutting power behind it.
"""

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

from emulator.powercut_chain import DEFAULT_WORKLOAD, explore, total_writes
from emulator.procgroup import die_with_parent

CHUNK = 16  # first cuts handed to a worker at a time


def _run_many(args):
    interpreter, seed, spec, depth, chunk = args
    out = []
    for index, cut in chunk:
        try:
            out += explore(interpreter, seed, cut, index, depth, spec)
        except Exception as e:  # a checker crash is a failure of this cut, not of the sweep
            out.append(((cut,), ["the bench failed: %r" % e]))
    return out


def first_cuts(writes, seed, every):
    """Every write, or one in `every` (the seed picks the offset, so different seeds try
    different points), and always the last one."""
    cuts = list(range(1 + seed % every, writes + 1, every))
    if cuts[-1] != writes:
        cuts.append(writes)
    return cuts


def sweep(interpreter, seed=1, spec=DEFAULT_WORKLOAD, jobs=2, every=1, depth=1):
    """Each first cut's chains, up to `depth` cuts each (1: the single mode), in `jobs`
    processes. Returns (writes of the workload, first cuts tried, chains checked,
    {cuts: [what is wrong]}, seconds)."""
    t0 = time.monotonic()
    writes = total_writes(interpreter, seed, spec)
    ranked = list(enumerate(first_cuts(writes, seed, every)))
    chunks = []
    for shard in (ranked[i::jobs] for i in range(jobs)):
        for i in range(0, len(shard), CHUNK):
            chunks.append((interpreter, seed, spec, depth, shard[i : i + CHUNK]))
    failures = {}
    chains = 0
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        for result in pool.map(_run_many, chunks):
            for cuts, wrong in result:
                chains += 1
                if wrong:
                    failures[cuts] = wrong
    return writes, len(ranked), chains, failures, time.monotonic() - t0
