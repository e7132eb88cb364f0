"""Modules load with the cyclic garbage collector paused (groundswell._loading): the collector
is off inside a block and as it was after it, blocks nest, a collector someone turned off
stays off, and what is alive is frozen at the end of the outermost block only in a process
whose command line asked for it — and handed back at exit, so that Python's shutdown frees
it as before (DuckDB's bindings would otherwise report leaks on stderr)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

from groundswell import _loading


def test_paused_turns_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with _loading.paused():
        assert not gc.isenabled()
        with _loading.paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # a library user's collector is never frozen


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with _loading.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_back_on_after_an_error() -> None:
    try:
        with _loading.paused():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.isenabled()


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )


def test_the_command_line_freezes_what_loaded_and_gives_it_back_at_exit() -> None:
    done = run(
        """
        import atexit, gc
        from groundswell import _loading
        atexit.register(lambda: print("at exit", gc.get_freeze_count()))  # runs last
        with _loading.paused():
            import json
        print("library", gc.get_freeze_count())
        _loading.freeze_when_loaded()
        with _loading.paused():
            with _loading.paused():
                import duckdb
            print("inner", gc.get_freeze_count(), gc.isenabled())
        print("outer", gc.get_freeze_count() > 1000, gc.isenabled())
        duckdb.connect().execute("SELECT 1").fetchall()
        """
    )
    lines = done.stdout.split("\n")[:4]
    assert lines == ["library 0", "inner 0 False", "outer True True", "at exit 0"]
    assert done.stderr == ""  # nothing left for DuckDB's bindings to report
