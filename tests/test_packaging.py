"""The lessons ship in the wheel: built, installed into a fresh virtual environment, listed and run there."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
               "-w", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stdout}\n{done.stderr}")
    return next(out.glob("glassnet-*.whl"))


def test_every_lesson_of_the_checkout_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    lessons = sorted(p.relative_to(ROOT / "lessons").as_posix() for p in (ROOT / "lessons").rglob("*.py")
                     if "__pycache__" not in p.parts)
    missing = [name for name in lessons if f"glassnet/lessons/{name}" not in names]
    assert lessons and not missing, f"lessons left out of the wheel (add their folder in setup.py): {missing}"
    assert any(n.startswith("glassnet/data/datasets/files/") for n in names)  # the embedded digits


def test_an_installed_wheel_lists_and_runs_the_lessons(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    with zipfile.ZipFile(wheel) as archive:  # what pip does for a pure-Python wheel: unpack it in place
        archive.extractall(site)
    # numpy & co. from this environment, through a path line: its .pth files (the editable install of
    # this checkout among them) are not read from there, so glassnet comes from the wheel.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("GLASSNET_LESSONS", "PYTHONPATH")}
    python = str(venv / "bin" / "python")

    def glassnet(*args):
        return subprocess.run([python, "-m", "glassnet", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=300)

    where = subprocess.run([python, "-c", "import glassnet; print(glassnet.__file__)"], capture_output=True,
                           text=True, env=env, cwd=tmp_path, check=True).stdout
    assert where.startswith(str(site)), where
    listed = glassnet("lessons", "list")
    assert listed.returncode == 0, listed.stderr
    assert str(site / "glassnet" / "lessons") in listed.stdout
    assert "xor" in listed.stdout and "keras_book/ch2_mnist" in listed.stdout
    ran = glassnet("lessons", "run", "xor")
    assert ran.returncode == 0, ran.stderr
    assert "predictions [0, 1, 1, 0]" in ran.stdout  # XOR learned, from the installed lesson
