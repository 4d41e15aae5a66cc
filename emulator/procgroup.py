"""Child processes that die with whoever started them.

A test or a sweep that is stopped (its timeout, Ctrl-C, a CI's SIGKILL) must not leave its
children running: a killed power-cut sweep once left its forked workers cutting power for
58 more minutes. So a command is started in a process group of its own (which its forks
and their children join unless they make one of their own), and the whole group is killed
when the command times out, when the caller fails, and when the command ends (whatever it
left behind). A group, not a new session: a session leader that opens a tty without
O_NOCTTY (the firmware opening its pty) makes it its controlling terminal and is sent
SIGHUP when the pty closes. A forked worker also asks Linux to kill it when its
parent dies (PR_SET_PDEATHSIG), for when its parent alone is killed.
"""

import os
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _signal_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


def kill_group(proc):
    """SIGKILL every process of `proc`'s group (proc was started by start()), then reap
    `proc`."""
    _signal_group(proc)
    proc.wait()


def start(cmd, **kwargs):
    """subprocess.Popen(cmd, **kwargs) in a process group of its own."""
    return subprocess.Popen(cmd, process_group=0, **kwargs)


def run(cmd, timeout, input=None, **kwargs):
    """subprocess.run(cmd) in a process group of its own, stdout and stderr captured and
    stdin empty unless given: on timeout the whole group is killed and TimeoutExpired raised (with what was
    printed); the group is killed too if this process is interrupted, and once the command
    is done (nothing it started outlives it). `timeout` is a liveness bound: generous."""
    if "capture_output" in kwargs and kwargs.pop("capture_output"):
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    kwargs.setdefault("stdin", subprocess.DEVNULL)  # a background group must not read a tty
    proc = start(cmd, **kwargs)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        # Kill before reading what is left: a grandchild holding the pipes open would
        # otherwise keep communicate() waiting.
        _signal_group(proc)
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(cmd, timeout, out, err) from None
    except BaseException:
        kill_group(proc)
        raise
    # The leader has exited; members of its group may remain (a pid is not reused while
    # a group of that id lives, so this reaches only what it left).
    _signal_group(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def die_with_parent(parent):
    """In a child forked by process `parent`: be killed by Linux when the thread that forked
    it ends (Linux only), and end now if the parent is already gone (we were adopted)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
