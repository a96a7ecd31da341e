"""Which PortAudio sounddevice calls: the library loaded at import, or, after an audio server
died under a stream, a fresh private copy of it.

Why a copy. PortAudio cannot be stopped, closed or terminated once the JACK server its stream
runs on has gone (measured here with libportaudio 19.6.0 and jackd2 1.9.21, and read in
``src/hostapi/jack/pa_jack.c``):

- ``Pa_StopStream``/``Pa_AbortStream`` set a flag for the JACK process callback and wait on a
  condition variable for it to answer (``RealStop`` -> ``WaitCondition``: up to 10 minutes). The
  callback never runs again, and the one signal the shutdown handler sends came before anyone
  waited, so the call blocks for those 10 minutes.
- ``Pa_CloseStream`` and ``Pa_Terminate`` abort open streams first: the same wait.
- ``Pa_Terminate`` with no stream open reaches the JACK host API's ``Terminate``, whose
  ``assert(jack_deactivate(client) == 0)`` fails on the dead client: the process aborts (exit
  134; the "call ``sounddevice._terminate()`` before stopping jackd" pitfall of DESIGN.md 8.3).
- ``Pa_Initialize`` again only counts up while the library is initialised, so the JACK host API
  keeps its dead client (``jackIsDown``): a new stream fails with "Device unavailable".

libjack itself is fine: ``jack_deactivate``/``jack_client_close`` of a dead client return -1 in
0.2 ms, and new clients open once a server of that name runs again. So the dead PortAudio is
left alone (:func:`abandon`: never called again, not even at exit) and the next
:func:`renew_if_abandoned` loads the same library file again under a new name, which the dynamic
loader maps as a separate library with its own static state: a fresh PortAudio whose JACK host
API opens a new JACK client. The copy is written to a private temporary folder and removed as
soon as it is loaded (the mapping stays). Each outage costs one more mapped copy (a few hundred
kB); nothing of the dead one is freed.

sounddevice looks up its module globals ``_lib`` (the cffi library) and ``_initialized`` (its
count of ``Pa_Initialize`` calls, which its exit handler undoes) at each call, so replacing them
switches every later call, streams included, to the fresh copy.

Realtime-safe: no (loading libraries, at set-up and after an outage only).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from typing import Any

_kept: list[Any] = []          # abandoned libraries and the client-name buffers PortAudio points to
_fresh_needed = False          # the library sounddevice holds was abandoned
_original_path: str | None = None
_closed = False                # leave_for_good: no PortAudio is loaded again in this process


class PortAudioUnavailable(RuntimeError):
    """No fresh PortAudio could be loaded (the library file was not found)."""


def _library_path(sd: Any) -> str:
    """The file of the PortAudio sounddevice loaded (``dladdr`` of ``Pa_Initialize``)."""
    global _original_path
    if _original_path is not None:
        return _original_path
    if os.path.isabs(sd._libname) and os.path.exists(sd._libname):
        _original_path = sd._libname
        return _original_path

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]

    try:
        pa = ctypes.CDLL(sd._libname)
        dladdr = ctypes.CDLL(None).dladdr
    except (OSError, AttributeError) as exc:
        raise PortAudioUnavailable(f"cannot find the PortAudio library file ({exc})") from None
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    info = DlInfo()
    if not dladdr(ctypes.cast(pa.Pa_Initialize, ctypes.c_void_p), ctypes.byref(info)) or not info.dli_fname:
        raise PortAudioUnavailable(f"cannot find the file of {sd._libname}")
    _original_path = os.fsdecode(info.dli_fname)
    return _original_path


def set_jack_client_name(library: ctypes.CDLL, name: str) -> None:
    """Name the JACK client of a PortAudio that is not initialised yet (it keeps the pointer:
    the buffer is kept alive here)."""
    if hasattr(library, "PaJack_SetClientName"):
        buffer = ctypes.create_string_buffer(name.encode())
        _kept.append(buffer)
        library.PaJack_SetClientName.argtypes = [ctypes.c_char_p]
        library.PaJack_SetClientName(buffer)


def abandon(sd: Any) -> None:
    """Leave the PortAudio sounddevice holds: no call reaches it again (its streams are not
    stopped, it is not terminated, not even by sounddevice's exit handler); the next
    :func:`renew_if_abandoned` gives a fresh copy."""
    global _fresh_needed
    _kept.append(sd._lib)
    sd._initialized = 0
    _fresh_needed = True


def leave_for_good() -> None:
    """The process is ending with its audio lost: abandon the PortAudio sounddevice holds, and
    refuse to load another (a reopening still under way on another thread fails), so that
    nothing PortAudio calls at exit can block or abort."""
    global _closed
    import sounddevice as sd

    _closed = True
    abandon(sd)


def renew_if_abandoned(sd: Any, jack_client_name: str) -> bool:
    """Give sounddevice (``sd``) a fresh PortAudio when the one it holds was abandoned; whether
    it did (the fresh one's JACK client is named ``jack_client_name``, and it is initialised).

    Raises
    ------
    PortAudioUnavailable
        When the library file cannot be found or copied, or the process is ending
        (:func:`leave_for_good`).
    sounddevice.PortAudioError
        When the fresh PortAudio cannot be initialised (the next call loads another).
    """
    global _fresh_needed
    if _closed:
        raise PortAudioUnavailable("the audio is no longer reopened: the session is ending")
    if not _fresh_needed:
        return False
    source = _library_path(sd)
    folder = tempfile.mkdtemp(prefix="live-portaudio-")  # mode 0700
    copy = os.path.join(folder, f"libportaudio-{len(_kept)}.so")
    try:
        shutil.copyfile(source, copy)
        library = sd._ffi.dlopen(copy)
        names = ctypes.CDLL(copy)  # the same mapping (same file): for PaJack_SetClientName
    except OSError as exc:
        raise PortAudioUnavailable(f"cannot load a fresh copy of {source} ({exc})") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    set_jack_client_name(names, jack_client_name)
    sd._lib = library
    sd._initialized = 0
    _kept.append(library)  # kept loaded whatever happens to sounddevice's reference
    sd._initialize()
    _fresh_needed = False
    return True
