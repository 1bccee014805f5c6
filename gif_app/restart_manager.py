"""Which programs hold a file open, from the Windows Restart Manager (rstrtmgr.dll through ctypes).

Windows only: elsewhere `holders_of` returns []. The session registers the one file and asks for the
list of processes using it; each entry carries the application's display name (e.g. "Microsoft Excel").
"""

from __future__ import annotations

import ctypes
import os
import sys
import uuid

ERROR_SUCCESS = 0
ERROR_MORE_DATA = 234
CCH_RM_SESSION_KEY = 32
CCH_RM_MAX_APP_NAME = 255
CCH_RM_MAX_SVC_NAME = 63


class _FileTime(ctypes.Structure):
    _fields_ = [("dwLowDateTime", ctypes.c_uint32), ("dwHighDateTime", ctypes.c_uint32)]


class _UniqueProcess(ctypes.Structure):
    _fields_ = [("dwProcessId", ctypes.c_uint32), ("ProcessStartTime", _FileTime)]


class _ProcessInfo(ctypes.Structure):
    _fields_ = [("Process", _UniqueProcess),
                ("strAppName", ctypes.c_wchar * (CCH_RM_MAX_APP_NAME + 1)),
                ("strServiceShortName", ctypes.c_wchar * (CCH_RM_MAX_SVC_NAME + 1)),
                ("ApplicationType", ctypes.c_int),
                ("AppStatus", ctypes.c_ulong),
                ("TSSessionId", ctypes.c_uint32),
                ("bRestartable", ctypes.c_int)]


def holders_of(path: str) -> list[str]:
    """Return the display names of the applications holding `path` open ([] when none or not Windows)."""
    if sys.platform != "win32":
        return []
    rm = ctypes.WinDLL("rstrtmgr")
    session = ctypes.c_uint32(0)
    key = ctypes.create_unicode_buffer(uuid.uuid4().hex[:CCH_RM_SESSION_KEY], CCH_RM_SESSION_KEY + 1)
    if rm.RmStartSession(ctypes.byref(session), 0, key) != ERROR_SUCCESS:
        return []
    try:
        files = (ctypes.c_wchar_p * 1)(os.path.abspath(path))
        if rm.RmRegisterResources(session, 1, files, 0, None, 0, None) != ERROR_SUCCESS:
            return []
        needed, count, reasons = ctypes.c_uint(0), ctypes.c_uint(0), ctypes.c_uint32(0)
        result = rm.RmGetList(session, ctypes.byref(needed), ctypes.byref(count), None, ctypes.byref(reasons))
        if result == ERROR_SUCCESS or result != ERROR_MORE_DATA or needed.value == 0:
            return []
        # The list can grow between the two calls: ask with room to spare.
        infos = (_ProcessInfo * (needed.value + 4))()
        count = ctypes.c_uint(needed.value + 4)
        if rm.RmGetList(session, ctypes.byref(needed), ctypes.byref(count), infos,
                        ctypes.byref(reasons)) != ERROR_SUCCESS:
            return []
        return [infos[i].strAppName or f"process {infos[i].Process.dwProcessId}" for i in range(count.value)]
    finally:
        rm.RmEndSession(session)
