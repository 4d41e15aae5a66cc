# pyright: reportUndefinedVariable=false, reportAttributeAccessIssue=false
# (a build script: CPython runs it inside MicroPython's manifestfile.py, not the device)
# Frozen-module manifest of the protocol package (MicroPython's tools/manifestfile.py runs it,
# micropython-lib style; hw/boards/TLA_T1/manifest.py and hw/boards/unix_frozen/manifest.py
# include it). The manifest runs with this folder as its working directory.
import os

package(
    "protocol",
    files=sorted(
        os.path.relpath(os.path.join(d, f))
        for d, _, names in os.walk(".")
        for f in names
        if f.endswith(".py") and f != "manifest.py"
    ),
    base_path="..",
)
