"""Run one portable test module and print a comparable report; used under CPython and
MicroPython alike by the pytest harness (tests/conftest.py).

Usage: <python or micropython> tests/portable/runner.py tests/portable/test_x.py

Output: for each test function (sorted by name) a line `=== name`, whatever the test
prints, the screens its displays showed (`SCREEN |line|line|line|line|`, tests/portable/
_fakes.SHOWN: kept by fingerprint, tests/ui_prints.py), then `--- PASS` or `--- FAIL
<exception>`. The last line is `### <passed> <failed>`.
"""

import sys


def _dirname(path):
    i = path.rfind("/")
    return path[:i] if i > 0 else "."


def _shown():
    """The list the fakes' displays append their screens to, emptied (a module that uses
    no fake display: a list nobody fills)."""
    fakes = sys.modules.get("_fakes")
    if fakes is None:
        return []
    del fakes.SHOWN[:]
    return fakes.SHOWN


def main(path):
    here = _dirname(path)
    root = _dirname(_dirname(here))
    for p in (here, root):
        if p not in sys.path:
            sys.path.insert(0, p)
    name = path[path.rfind("/") + 1 :]
    if name.endswith(".py"):
        name = name[:-3]
    try:
        import _fakes  # noqa: F401  (its SHOWN from the first test on, whoever imports it)
    except ImportError:
        pass
    module = __import__(name)
    tests = sorted(n for n in dir(module) if n.startswith("test_"))
    passed = failed = 0
    for test in tests:
        fn = getattr(module, test)
        print("=== " + test)
        shown = _shown()
        try:
            fn()
        except Exception as e:
            failed += 1
            print("--- FAIL %s: %s" % (type(e).__name__, e))
            if hasattr(sys, "print_exception"):
                sys.print_exception(e)  # type: ignore[attr-defined]
            else:
                import traceback

                traceback.print_exc(file=sys.stdout)
            continue
        passed += 1
        for lines in shown:
            print("SCREEN |" + "|".join(lines) + "|")
        print("--- PASS")
    print("### %d %d" % (passed, failed))


if __name__ == "__main__":
    main(sys.argv[1])
