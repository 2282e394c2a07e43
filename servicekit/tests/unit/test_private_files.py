"""What a process started by the kit's runner writes under the var folder (the token-signing secret, SQLite
databases, the embedded bus) is readable by its own user alone, also in a var folder an earlier version
left open."""
import stat
import subprocess
import sys
from pathlib import Path

from servicekit.processes import clean_env

#: A service process whose one command writes what services write under the var folder.
PROCESS = """
from pathlib import Path
from servicekit.bus import filesystem_folders
from servicekit.db import make_engine
from servicekit.runner import ServiceDefinition, main
from sqlalchemy import text

def write(settings, stop):
    with make_engine(settings.database_url).begin() as connection:
        connection.execute(text("CREATE TABLE things (n INTEGER)"))
        connection.execute(text("INSERT INTO things VALUES (1)"))
    filesystem_folders(settings.var_dir)

main(ServiceDefinition("demo", Path("."), create_app=None, workers={"write": write}), ["write"])
"""


def _run(var_dir: Path) -> None:
    subprocess.run([sys.executable, "-c", PROCESS], env=clean_env(var_dir), check=True, timeout=60)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_secret_databases_and_bus_are_this_users_alone(tmp_path):
    var_dir = tmp_path / "var"
    _run(var_dir)
    assert _mode(var_dir) == 0o700
    assert _mode(var_dir / "auth-secret") == 0o600
    assert _mode(var_dir / "demo.db") == 0o600
    assert _mode(var_dir / "bus") == 0o700
    assert _mode(var_dir / "bus" / "messages") == 0o700
    others = [path for path in var_dir.rglob("*") if _mode(path) & 0o077]
    assert others == []


def test_a_var_folder_left_open_by_an_earlier_version_is_closed(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o755)
    var_dir.chmod(0o755)
    for name in ("auth-secret", "demo.db", "admin-password"):
        (var_dir / name).write_text("x" * 64 if name != "demo.db" else "")
        (var_dir / name).chmod(0o644)
    _run(var_dir)
    assert _mode(var_dir) == 0o700
    assert {name: _mode(var_dir / name) for name in ("auth-secret", "demo.db", "admin-password")} == {
        "auth-secret": 0o600, "demo.db": 0o600, "admin-password": 0o600}
