#!/usr/bin/env python3
"""reaper.py CMD [ARG..]: runs CMD as a child of a Linux child subreaper (prctl PR_SET_CHILD_SUBREAPER).

Exim forks delivery processes that outlive their parents; orphans go to the nearest subreaper, not
to init, so they stay below this process: the harness's Meter (root = this pid, tree = True) sees
the live ones in /proc and the reaped ones in this process's cutime/cstime. Exits with CMD's status
once CMD and every orphan it left are gone. SIGTERM is passed on to CMD.
"""
import ctypes
import os
import signal
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"reaper: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    child = subprocess.Popen(sys.argv[1:])
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    status = 0
    while True:
        try:
            pid, st = os.wait()  # reaps CMD and every orphan re-parented here
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child.pid:
            status = os.waitstatus_to_exitcode(st)
            child.returncode = status
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
