"""The README's run command starts the app: its last step, `streamlit run app.py`, run from the repository root.

The steps before it (a fresh venv, `pip install -r requirements.txt`) take about a minute with the wheels on disk and
more with downloads, too slow for every CI run: that part was done by hand from a clean clone (README, "Run it").
Here the current environment stands in for the fresh venv.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402  (bench/ is a folder of scripts, not a package)


def run_commands() -> dict[str, str]:
    """The first bash and powershell blocks under "## Run it": their commands, comments left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Run it"):text.index("\n## ", text.index("## Run it") + 1)]
    blocks = {}
    for shell, body in re.findall(r"```(bash|powershell)\n(.*?)```", section, flags=re.S):
        blocks.setdefault(shell, " ".join(line for line in body.splitlines() if line and not line.startswith("#")))
    return blocks


def final_step(command: str) -> str:
    return re.split(r"\s*(?:&&|;)\s*", command.strip())[-1]


def test_posix_and_windows_commands_end_in_the_same_step():
    blocks = run_commands()
    assert set(blocks) == {"bash", "powershell"}
    assert final_step(blocks["bash"]) == final_step(blocks["powershell"]) == "streamlit run app.py"
    assert "requirements.txt" in blocks["bash"] and "requirements.txt" in blocks["powershell"]


def test_the_readme_states_the_python_version_before_the_first_command():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"Python 3\.11, 3\.12 or 3\.13", text[:text.index("```")])


def test_streamlit_run_app_py_answers_health_and_serves_the_home_page():
    words = final_step(run_commands()["bash"]).split()
    executable = shutil.which(words[0], path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if executable is None:
        pytest.fail(f"`{words[0]}` is not installed next to {sys.executable}: pip install -r requirements.txt")
    with load.serve(command=(executable, *words[1:]), cwd=ROOT) as (url, _pid):
        session = load.Session(url)
        try:
            assert session.open("") < load.RUN_TIMEOUT_S          # raises on an exception box or st.error
            assert "f" in session.widgets, "the home page did not draw the formula box"
        finally:
            session.close()


def test_the_dockerfile_installs_and_starts_as_community_cloud_does():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    assert "FROM python:3.12-slim" in lines                                  # Community Cloud's default Python
    copy = lines.index("COPY requirements.txt pyproject.toml ./")           # uv reads [tool.uv] from pyproject.toml
    install = next(i for i, line in enumerate(lines) if "uv pip install --system -r requirements.txt" in line)
    assert copy < install
    assert any("torch.version.cuda is None" in line for line in lines)      # the build stops on a CUDA torch
    assert [line for line in lines if line.startswith('CMD ["')] == ['CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", '
                                                                   '"--server.port", "8501", "--server.headless", "true", \\']
    assert any("/_stcore/health" in line for line in lines)
