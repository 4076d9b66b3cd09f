"""requirements.txt on every platform and Python the README lists: markers, resolution with uv, and pip = uv.

The marker checks are pure (packaging.markers against each platform's environment). The resolution checks run
`uv pip compile --python-platform` offline from uv's cache, or against PyPI where the cache lacks something.
PyTorch's CPU index is out of reach here, so its line is replaced by the same index's wheel where one lies on
this machine (/opt/wheels) and that combination is skipped otherwise. The index-strategy checks build two tiny
local indexes and need no network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
LOCAL_WHEELS = Path("/opt/wheels")      # where this machine keeps PyTorch's CPU wheel (its file name is the index's)

# The README's platform names -> the marker environment and uv's --python-platform (MACOSX_DEPLOYMENT_TARGET for macOS).
PLATFORMS = {
    "Linux x86_64": ({"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix"},
                     "x86_64-manylinux_2_28"),
    "Linux aarch64": ({"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64", "os_name": "posix"},
                      "aarch64-manylinux_2_28"),
    "macOS 14+ on Apple silicon": ({"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64",
                                    "os_name": "posix"}, "aarch64-apple-darwin"),
    "Windows x86_64": ({"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt"},
                       "x86_64-pc-windows-msvc"),
}
# Where torch 2.13.0 publishes wheels (uv's hint from PyPI: manylinux_2_28 x86_64 and aarch64, macosx_14_0_arm64,
# win_amd64; the "+cpu" builds on PyTorch's CPU index: Linux and Windows x86_64).
TORCH_CPU_LOCAL = {("linux", "x86_64"), ("win32", "AMD64")}


def readme_matrix() -> list[tuple[str, str]]:
    """(platform, Python) pairs from the README's table whose header starts with | Platform | Python |."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*Platform\s*\|\s*Python\s*\|", line))
    pairs = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        pairs += [(cells[0], v) for v in re.findall(r"3\.\d+", cells[1])]
    return pairs


def requirement_lines() -> list[str]:
    """The requirement lines of requirements.txt (options and comments left out)."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(("#", "-"))]


def environment(platform: str, python: str) -> dict[str, str]:
    env = default_environment() | PLATFORMS[platform][0]
    return env | {"python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
                  "platform_python_implementation": "CPython"}


def applicable(platform: str, python: str) -> list[Requirement]:
    env = environment(platform, python)
    reqs = [Requirement(line) for line in requirement_lines()]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(env)]


MATRIX = readme_matrix()


def test_the_readme_lists_every_platform_and_python_311_to_313():
    assert {p for p, _ in MATRIX} == set(PLATFORMS), "README's platform table and PLATFORMS here must name the same platforms"
    for platform in PLATFORMS:
        assert sorted(v for p, v in MATRIX if p == platform) == ["3.11", "3.12", "3.13"], platform


def test_pyproject_and_the_readme_agree_on_python():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    requires = SpecifierSet(re.search(r'requires-python\s*=\s*"([^"]+)"', text).group(1))
    assert all(Version(v) in requires for _, v in MATRIX)
    assert Version("3.10") not in requires


@pytest.mark.parametrize(("platform", "python"), MATRIX, ids=[f"{p}-py{v}" for p, v in MATRIX])
def test_exactly_one_torch_line_applies_and_it_can_be_installed(platform, python):
    env = PLATFORMS[platform][0]
    reqs = applicable(platform, python)
    names = [canonicalize_name(r.name) for r in reqs]
    assert len(names) == len(set(names)), f"two lines for one package on {platform}: {names}"
    assert {"torch", "streamlit", "sympy", "numpy", "plotly", "pandas"} <= set(names)
    (torch,) = [r for r in reqs if r.name == "torch"]
    pins = [Version(s.version) for s in torch.specifier if s.operator == "=="]
    assert pins and all(p.public == "2.13.0" for p in pins)
    if (env["sys_platform"], env["platform_machine"]) == ("linux", "x86_64"):
        assert [p.local for p in pins] == ["cpu"], "Linux x86_64 must pin the CPU-only build (PyPI's is the CUDA one)"
    else:   # "+cpu" exists only where PyTorch builds it; elsewhere a plain pin (which "+cpu" also satisfies)
        assert all(p.local is None for p in pins) or (env["sys_platform"], env["platform_machine"]) in TORCH_CPU_LOCAL


def test_the_cpu_index_is_an_extra_index_not_the_only_one():
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert f"--extra-index-url {CPU_INDEX}" in text
    assert "--index-url" not in text.replace("--extra-index-url", ""), "PyPI must stay the main index"


# ---------------------------------------------------------------- uv reads pyproject's index strategy (no network)

def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        pytest.skip("uv is not installed: pip install -r requirements-dev.txt")
    return found


def fake_wheel(index: Path, name: str, version: str) -> None:
    """A one-file index page and a wheel with nothing but metadata."""
    folder, dist = index / name, f"{name.replace('-', '_')}-{version}"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{dist}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        whl.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        whl.writestr(f"{dist}.dist-info/RECORD", "")
    links = "".join(f'<a href="{w.name}">{w.name}</a>' for w in sorted(folder.glob("*.whl")))
    (folder / "index.html").write_text(f"<html><body>{links}</body></html>")


@pytest.fixture
def two_indexes(tmp_path):
    """An extra index that holds an old 'gl-probe' and a '+cpu' 'gl-torch' (the CPU index), and a main one (PyPI)."""
    extra, main = tmp_path / "extra", tmp_path / "main"
    fake_wheel(extra, "gl-probe", "1.0")
    fake_wheel(extra, "gl-torch", "2.0+cpu")
    fake_wheel(main, "gl-probe", "2.0")
    fake_wheel(main, "gl-torch", "2.0")
    (tmp_path / "requirements.txt").write_text(f"--extra-index-url {extra.as_uri()}\ngl-probe>=1.0\ngl-torch==2.0\n")
    return tmp_path, main.as_uri()


def uv_resolution(project: Path, index: str) -> dict[str, str]:
    out = subprocess.run([uv(), "pip", "compile", "--no-cache", "--no-header", "--no-annotate", "--index-url", index,
                          "requirements.txt"], cwd=project, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return dict(line.split("==") for line in out.stdout.split())


def pip_resolution(project: Path, index: str) -> dict[str, str]:
    env = os.environ | {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_EXTRA_INDEX_URL": ""}
    report = project / "report.json"
    subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--report", str(report),
                    "--index-url", index, "-r", "requirements.txt"], cwd=project, env=env, check=True, timeout=120)
    items = json.loads(report.read_text())["install"]
    return {i["metadata"]["name"]: i["metadata"]["version"] for i in items}


def test_uv_takes_the_best_version_across_indexes_as_pip_does(two_indexes):
    project, main = two_indexes
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    assert uv_resolution(project, main) == pip_resolution(project, main) == {"gl-probe": "2.0", "gl-torch": "2.0+cpu"}


def uv_pip_install(project: Path, index: str, cwd: Path) -> dict[str, str]:
    """What `uv pip install -r requirements.txt` (Community Cloud's command) would install, run in `cwd` (a dry run)."""
    out = subprocess.run([uv(), "pip", "install", "--dry-run", "--no-cache", "--python", sys.executable, "--index-url", index,
                          "-r", str(project / "requirements.txt")], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return dict(line.split()[1].split("==") for line in out.stderr.splitlines() if line.startswith(" + "))


def uv_tables(text: str) -> dict[str, str | None]:
    """index-strategy in pyproject's [tool.uv] and [tool.uv.pip] tables."""
    uv_table = tomllib.loads(text)["tool"]["uv"]
    return {"tool.uv": uv_table.get("index-strategy"), "tool.uv.pip": uv_table.get("pip", {}).get("index-strategy")}


def test_pyproject_sets_the_index_strategy_in_both_tables_uv_pip_reads():
    assert uv_tables((ROOT / "pyproject.toml").read_text(encoding="utf-8")) == {"tool.uv": "unsafe-best-match",
                                                                                "tool.uv.pip": "unsafe-best-match"}


@pytest.mark.parametrize("table", ["tool.uv", "tool.uv.pip", "both (the repository's pyproject.toml)"])
def test_uv_pip_install_in_the_repository_root_or_below_honours_either_table(two_indexes, table):
    project, main = two_indexes
    text = ((ROOT / "pyproject.toml").read_text(encoding="utf-8") if table.startswith("both")
            else f'[project]\nname = "probe"\nversion = "0"\n\n[{table}]\nindex-strategy = "unsafe-best-match"\n')
    (project / "pyproject.toml").write_text(text)
    (project / "app").mkdir()
    for cwd in (project, project / "app"):
        assert uv_pip_install(project, main, cwd) == {"gl-probe": "2.0", "gl-torch": "2.0+cpu"}


def test_uv_pip_install_run_outside_the_repository_does_not_see_pyproject(two_indexes, tmp_path_factory):
    """Why the README says Community Cloud must run uv in the repository: elsewhere uv takes the extra index's copy."""
    project, main = two_indexes
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    assert uv_pip_install(project, main, tmp_path_factory.mktemp("elsewhere"))["gl-probe"] == "1.0"


def test_without_pyproject_uv_would_take_the_extra_index_old_copies(two_indexes):
    """The reason for [tool.uv] index-strategy: uv's default stops at the first index that has a package."""
    project, main = two_indexes
    assert uv_resolution(project, main)["gl-probe"] == "1.0"


# ---------------------------------------------------------------- the real file resolved by uv per platform (PyPI)

def pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/uv/", timeout=5).close()
        return True
    except OSError:
        return False


def resolvable_copy(tmp_path: Path, platform: str, python: str) -> list[str]:
    """requirements.txt without the unreachable CPU index; extra uv arguments, or skip where nothing stands in for it."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8").replace(f"--extra-index-url {CPU_INDEX}", "")
    (tmp_path / "requirements.txt").write_text(text)
    env = PLATFORMS[platform][0]
    if (env["sys_platform"], env["platform_machine"]) != ("linux", "x86_64"):
        return []
    tag = f"cp{python.replace('.', '')}"
    if not list(LOCAL_WHEELS.glob(f"torch-2.13.0+cpu-{tag}-{tag}-manylinux_2_28_x86_64.whl")):
        pytest.skip(f"PyTorch's CPU index is out of reach here and {LOCAL_WHEELS} holds no {tag} wheel of it")
    return ["--find-links", str(LOCAL_WHEELS)]


def uv_compile(folder: Path, platform: str, python: str, extra: list[str]) -> subprocess.CompletedProcess:
    """Offline from uv's cache when it holds what the resolution needs (about 1 s), else from PyPI (about 10 s)."""
    cmd = [uv(), "pip", "compile", "--no-header", "--no-annotate", "--python-platform", PLATFORMS[platform][1],
           "--python-version", python, *extra, "requirements.txt"]
    env = os.environ | {"MACOSX_DEPLOYMENT_TARGET": "14.0"}
    out = subprocess.run([*cmd, "--offline"], cwd=folder, env=env, capture_output=True, text=True, timeout=180)
    if out.returncode != 0 and pypi_reachable():
        out = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=180)
    return out


@pytest.mark.parametrize(("platform", "python"), MATRIX, ids=[f"{p}-py{v}" for p, v in MATRIX])
def test_uv_resolves_the_whole_file(tmp_path, platform, python):
    extra = resolvable_copy(tmp_path, platform, python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    out = uv_compile(tmp_path, platform, python, extra)
    if out.returncode != 0 and not pypi_reachable():
        pytest.skip("uv's cache does not hold this resolution and PyPI is not reachable")
    assert out.returncode == 0, out.stderr
    pins = dict(line.split("==") for line in out.stdout.split())
    assert pins["streamlit"] == "1.67.0" and pins["sympy"] == "1.14.0" and Version(pins["numpy"]) >= Version("2.0")
    assert Version(pins["torch"]).public == "2.13.0"
    if platform != "Linux aarch64":   # PyPI's aarch64 wheel needs CUDA; the CPU index (out of reach here) serves the CPU one
        assert not [name for name in pins if name.startswith(("nvidia-", "cuda-"))], f"a CUDA package on {platform}"
