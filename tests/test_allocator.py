"""glassnet asks glibc to keep freed memory for reuse, unless told not to."""

import os
import subprocess
import sys

import pytest

import glassnet

glibc_linux = pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION")
                                 is None, reason="the allocator settings exist only in glibc on Linux")


def _tuned_in_fresh_process(env_value):
    env = dict(os.environ, GLASSNET_KEEP_FREED_MEMORY=env_value)
    out = subprocess.run([sys.executable, "-c", "import glassnet; print(glassnet._allocator.tuned)"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@glibc_linux
def test_import_tunes_glibc_and_the_environment_can_say_no():
    assert _tuned_in_fresh_process("1") == "True"
    assert _tuned_in_fresh_process("0") == "False"


@glibc_linux
def test_tuning_twice_is_harmless():
    if os.environ.get("GLASSNET_KEEP_FREED_MEMORY") == "0":
        pytest.skip("this test process runs with GLASSNET_KEEP_FREED_MEMORY=0")
    assert glassnet._allocator.keep_freed_memory() is True
    assert glassnet._allocator.keep_freed_memory() is True
