"""The pip path (requirements.txt) and the conda path (environment.yml) pin the same versions."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def pins(lines):
    result = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            assert version, f"{line!r} is not pinned with =="
            result[name.strip().lower()] = version.strip()
    return result


def test_requirements_and_environment_pin_the_same_versions():
    from_pip = pins((ROOT / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pins(pip_section) == from_pip
    assert "python=3.11" in environment["dependencies"]
    assert "-e ." in pip_section, "the conda environment installs the course package too"


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version

    for name, pinned in pins((ROOT / "requirements.txt").read_text().splitlines()).items():
        assert version(name) == pinned, name
