"""Giving freed memory back to the system during a long build.

A build frees large intermediates (parsed documents, a batch's float32 vectors, the parts of
an array just joined) while it still has much to do. glibc's allocator keeps freed memory
that is not at the top of its heap, and raises its threshold for memory-mapping large blocks
once one is freed, so the next ones come from the heap too: without help, what a build has
freed still counts in its resident memory and the next phase's arrays come on top of it.
`release_memory()` asks glibc to return what it can (malloc_trim), and while
`large_blocks_mapped()` holds, every block of a mebibyte or more is memory-mapped (the model's
activations, a batch's vectors), so that freeing it returns it at once; elsewhere both do
nothing.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
MAPPED_FROM = 1 << 20  # bytes: blocks memory-mapped during a build
# After a build: the largest threshold glibc would have raised itself to (64-bit), so that a
# server's smaller arrays come from the heap again, as they would have.
MAPPED_AFTER = 32 << 20


@functools.cache
def _glibc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: a start that builds nothing does not import it

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return libc


def _trim() -> Callable[[int], int] | None:
    libc = _glibc()
    return None if libc is None else libc.malloc_trim


def release_memory() -> None:
    """Return the allocator's free memory to the system, where it can (a few milliseconds)."""
    trim = _trim()
    if trim is not None:
        trim(0)


@contextlib.contextmanager
def large_blocks_mapped() -> Iterator[None]:
    """Within it, blocks of MAPPED_FROM bytes or more are memory-mapped (returned to the
    system when freed); after it, glibc's largest threshold (see MAPPED_AFTER)."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(M_MMAP_THRESHOLD, MAPPED_AFTER)
            libc.malloc_trim(0)
