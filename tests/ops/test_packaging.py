"""The wheel: built with `python -m build`, installed (with its dependencies) into a fresh
virtual environment, `resbot` works from a directory without knowledge/ or intents/, using
the copies shipped in the package."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.ops.processes import ROOT, clean_env

pytestmark = pytest.mark.slow

SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "bot", "knowledge", "intents"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def run(*command: str | Path, cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_env({}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv with the wheel installed; built from a copy of the sources so
    the working tree gets no build/ or egg-info."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=IGNORED)
        else:
            shutil.copy2(origin, source / name)
    run(sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", source, cwd=work)
    [wheel] = (work / "dist").glob("resbot-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python"]
    run(*pip, "install", "--quiet", "--disable-pip-version-check", wheel, cwd=work)
    return venv / "bin"


def test_the_installed_cli_answers_from_any_directory(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(installed / "python", "-c", "import bot; print(bot.__file__)", cwd=elsewhere)
    assert where.startswith(str(installed.parent)), where
    assert run(installed / "resbot", "ask", "hello", cwd=elsewhere).strip()
    answer = json.loads(
        run(installed / "resbot", "ask", "--json", "When was it adopted?", cwd=elsewhere)
    )
    assert answer["citations"][0]["document"] == "A/RES/71/194"
    run(installed / "resbot", "check", cwd=elsewhere)


def test_the_installed_server_serves_the_shipped_knowledge(installed: Path, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [installed / "resbot", "serve", "--port", "0"],
        cwd=tmp_path,
        env=clean_env({}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("resbot serving on http://127.0.0.1:"), line
        url = line.split(" on ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            health = json.load(response)
        assert health["documents"]["symbols"] == ["A/RES/71/194"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
