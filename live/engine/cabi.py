"""Calling C from compiled callbacks without the GIL: pointers and C functions by address.

numba freezes globals at compile time and its on-disk cache would freeze addresses too, so
callbacks get every address at run time (from their ``userdata`` header) and call through these
intrinsics, which compile to a bare LLVM ``inttoptr`` + ``call``: nothing that can raise,
allocate or take the GIL. Callers check an address is non-zero before calling it.

Realtime-safe: yes (they are what the audio path is made of).
"""

from __future__ import annotations

import ctypes

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def as_voidptr(typingctx, address):
    """An int64 address as a ``void *``."""

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return types.voidptr(types.int64), codegen


@intrinsic
def address_of(typingctx, pointer):
    """A ``void *`` as an int64 address (0 for NULL)."""

    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], ir.IntType(64))

    return types.int64(types.voidptr), codegen


@intrinsic
def acquire_fence(typingctx):
    """An acquire fence: loads after it are not moved before it (by compiler or CPU)."""

    def codegen(context, builder, signature, args):
        builder.fence("acquire")
        return context.get_dummy_value()

    return types.none(), codegen


@intrinsic
def release_fence(typingctx):
    """A release fence: stores before it are not moved after it (by compiler or CPU)."""

    def codegen(context, builder, signature, args):
        builder.fence("release")
        return context.get_dummy_value()

    return types.none(), codegen


def _c_caller(restype, *argtypes):
    """An intrinsic ``call(fn_address, *args)`` calling the C function at ``fn_address``."""
    sig = (types.none if restype is types.void else restype)(types.int64, *argtypes)

    def codegen(context, builder, signature, args):
        ret = ir.VoidType() if restype is types.void else context.get_value_type(restype)
        fnty = ir.FunctionType(ret, [context.get_value_type(t) for t in argtypes])
        result = builder.call(builder.inttoptr(args[0], fnty.as_pointer()), args[1:])
        return context.get_dummy_value() if restype is types.void else result

    if len(argtypes) == 1:
        def call(typingctx, fn, a):
            return sig, codegen
    elif len(argtypes) == 2:
        def call(typingctx, fn, a, b):
            return sig, codegen
    elif len(argtypes) == 3:
        def call(typingctx, fn, a, b, c):
            return sig, codegen
    elif len(argtypes) == 4:
        def call(typingctx, fn, a, b, c, d):
            return sig, codegen
    elif len(argtypes) == 6:
        def call(typingctx, fn, a, b, c, d, e, f):
            return sig, codegen
    else:
        raise ValueError("1..4 or 6 arguments")
    return intrinsic(call)


# int clock_gettime(clockid_t, struct timespec *)
call_i32_i32_p = _c_caller(types.int32, types.int32, types.voidptr)
# jack_nframes_t jack_last_frame_time(const jack_client_t *); uint32_t jack_midi_get_event_count(void *)
call_u32_p = _c_caller(types.uint32, types.voidptr)
# void *jack_port_get_buffer(jack_port_t *, jack_nframes_t)
call_p_p_u32 = _c_caller(types.voidptr, types.voidptr, types.uint32)
# int jack_midi_event_get(jack_midi_event_t *, void *port_buffer, uint32_t index)
call_i32_p_p_u32 = _c_caller(types.int32, types.voidptr, types.voidptr, types.uint32)
# void jack_midi_clear_buffer(void *port_buffer)
call_void_p = _c_caller(types.void, types.voidptr)
# int jack_midi_event_write(void *port_buffer, jack_nframes_t time, const jack_midi_data_t *, size_t)
call_i32_p_u32_p_u64 = _c_caller(types.int32, types.voidptr, types.uint32, types.voidptr, types.uint64)

# int PaStreamCallback(const void *input, void *output, unsigned long frameCount,
#                      const PaStreamCallbackTimeInfo *timeInfo, PaStreamCallbackFlags, void *userData)
call_pa_callback = _c_caller(types.int32, types.voidptr, types.voidptr, types.uint64, types.voidptr, types.uint64,
                             types.voidptr)

CLOCK_MONOTONIC = 1  # Linux <time.h>; the clock of time.monotonic_ns() and time.perf_counter_ns()


def function_address(fn: ctypes._CFuncPtr) -> int:
    """The address of a ctypes-loaded C function."""
    return ctypes.cast(fn, ctypes.c_void_p).value


def clock_gettime_address() -> int:
    """Address of libc's ``clock_gettime``."""
    return function_address(ctypes.CDLL(None).clock_gettime)
