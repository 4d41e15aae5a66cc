"""`make bench`: run every benchmark and print its figures (under both interpreters where
the code is portable). Figures are for reading, not pass/fail."""
import subprocess
import sys
from pathlib import Path

from emulator.terminal import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parent.parent


def section(title):
    print("\n== " + title)


def portable(script, *args):
    for name, cmd, env in (
        ("cpython", [sys.executable], None),
        ("micropython", [micropython_command()], micropython_env()),
    ):
        print("-- %s" % name)
        out = subprocess.run(cmd + [str(ROOT / "bench" / script), str(ROOT), *args], env=env, capture_output=True, text=True, cwd=ROOT)
        print(out.stdout.rstrip())
        if out.returncode:
            print(out.stderr.rstrip())


def main():
    section("codec: CBOR and frames")
    portable("codec_portable.py")


if __name__ == "__main__":
    main()
