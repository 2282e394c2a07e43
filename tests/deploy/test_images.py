"""The Dockerfiles compose and Kubernetes build on: present, non-root, and able to run their package.

Without a Docker engine the images are not built here; these tests read each Dockerfile and check it
against the repository it copies from.
"""
from __future__ import annotations

import http.server
import os
import re
import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass

import pytest
from deployfiles import API_CLIENTS, ROOT, Instruction, dockerfile_instructions, exec_form, guanxi_command
from servicekit.processes import free_port

#: The instructions whose arguments the builder expands build arguments in (RUN: the shell, which sees them).
EXPANDED = {"FROM", "COPY", "ADD", "ENV", "EXPOSE", "USER", "WORKDIR", "RUN"}


@dataclass(frozen=True)
class Image:
    """One image compose builds: its Dockerfile (from the repository root) and build arguments."""

    path: str
    args: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return self.path + "".join(f" --build-arg {name}={value}" for name, value in self.args)


def dockerfiles(services: dict) -> dict[Image, str]:
    """Every image compose builds -> the package it runs."""
    found = {}
    for service in services.values():
        if "build" in service and guanxi_command(service):
            args = tuple(sorted((str(k), str(v)) for k, v in (service["build"].get("args") or {}).items()))
            found[Image(service["build"]["dockerfile"], args)] = guanxi_command(service)[0]
    return found


def _expand(text: str, values: dict[str, str]) -> str:
    """`text` with $NAME and ${NAME} of `values` replaced, as the builder does."""
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))",
                  lambda match: values.get(match[1] or match[2], match[0]), text)


def instructions_of(image: Image, keyword: str) -> list[Instruction]:
    """Every `keyword` instruction of the image's Dockerfile, with its build arguments expanded where the
    builder expands them (not in CMD or HEALTHCHECK, which the container's shell or process reads)."""
    args = dict(image.args)
    return [Instruction(item.keyword, _expand(item.arguments, args) if item.keyword in EXPANDED else item.arguments)
            for item in dockerfile_instructions(ROOT / image.path) if item.keyword == keyword]


def image_env(image: Image) -> dict[str, str]:
    """The environment the image's ENV instructions give its processes."""
    env: dict[str, str] = {}
    for item in instructions_of(image, "ENV"):
        for pair in shlex.split(item.arguments):
            name, _, value = pair.partition("=")
            env[name] = value
    return env


def default_command(image: Image) -> list[str]:
    """The image's CMD as the process it starts: an `sh -c` script read with the image's environment."""
    command = exec_form(instructions_of(image, "CMD")[-1].arguments)
    if command[:2] == ["sh", "-c"] and len(command) == 3:
        words = shlex.split(_expand(command[2], image_env(image)))
        command = words[1:] if words[:1] == ["exec"] else words
    return command


def test_every_image_compose_builds_has_a_dockerfile(services: dict) -> None:
    assert dockerfiles(services), "compose builds no image"
    for image in dockerfiles(services):
        assert (ROOT / image.path).is_file(), f"{image.path} does not exist"


def test_images_run_as_a_numeric_non_root_user(services: dict) -> None:
    # Numeric, so Kubernetes can verify runAsNonRoot without looking inside the image.
    for path in dockerfiles(services):
        users = instructions_of(path, "USER")
        assert users, f"{path} runs as root"
        user = users[-1].arguments.split(":")[0]
        assert user.isdigit() and int(user) != 0, f"{path}: USER {users[-1].arguments}"
        keywords = [item.keyword for item in dockerfile_instructions(ROOT / path.path)]
        assert "RUN" not in keywords[keywords.index("USER"):], f"{path} runs commands after dropping root"


def test_images_start_from_python_slim_and_install_no_dev_tools(services: dict) -> None:
    for path in dockerfiles(services):
        assert [item.arguments for item in instructions_of(path, "FROM")] == ["python:3.11-slim"], path
        text = (ROOT / path.path).read_text(encoding="utf-8")
        assert "requirements-dev" not in text and "pytest" not in text, f"{path} installs dev dependencies"


def test_images_copy_only_what_exists_and_install_their_package(services: dict) -> None:
    for path, package in dockerfiles(services).items():
        copied = []
        for item in instructions_of(path, "COPY"):
            *sources, _target = item.arguments.split()
            for source in sources:
                assert (ROOT / source).exists(), f"{path} copies {source}, which is not in the build context"
                copied.append(source.rstrip("/"))
        assert "requirements.txt" in copied, f"{path} does not install the pinned requirements"
        installed = [folder for folder in copied if (ROOT / folder / "src" / package / "__main__.py").is_file()]
        assert installed, f"{path} does not copy the {package} package"
        # The migrations folder sits beside src/, found relative to the source: the copy must hold it.
        if package not in API_CLIENTS:
            assert (ROOT / installed[0] / "migrations" / "env.py").is_file(), f"{package} has no migrations/"
        runs = " ".join(item.arguments for item in instructions_of(path, "RUN"))
        assert re.search(rf"pip install [^&]*-e {re.escape(installed[0])}\b", runs), f"{path}: {package} not installed"
        assert re.search(r"pip install [^&]*-e servicekit\b", runs), f"{path}: servicekit not installed"


def test_images_default_to_the_web_process(services: dict) -> None:
    for path, package in dockerfiles(services).items():
        assert default_command(path) == ["python", "-m", package, "web"], path
        assert not instructions_of(path, "ENTRYPOINT"), f"{path}: compose overrides the whole command"


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server calls
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def health_server():
    """A local server answering 200 on /healthz only; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_image_healthchecks_probe_the_port_the_image_serves(services: dict, health_server: int) -> None:
    for path, package in dockerfiles(services).items():
        env_lines = " ".join(item.arguments for item in instructions_of(path, "ENV"))
        port_variable = f"CRM_{package.upper()}_PORT"
        declared = re.search(rf"{port_variable}=(\d+)", env_lines)
        assert declared, f"{path} does not set {port_variable}"
        assert [item.arguments for item in instructions_of(path, "EXPOSE")] == [declared[1]], path
        assert "CRM_BIND_HOST=0.0.0.0" in env_lines, f"{path}: the server would listen on loopback only"
        check = exec_form(instructions_of(path, "HEALTHCHECK")[-1].arguments)
        assert check[:2] == ["python", "-c"], path
        env = {**os.environ, **image_env(path), port_variable: str(health_server)}
        result = subprocess.run([sys.executable, *check[1:]], env=env, capture_output=True, timeout=30)
        assert result.returncode == 0, f"{path}: healthcheck failed on a healthy server: {result.stderr[-300:]}"
        env[port_variable] = str(free_port())
        result = subprocess.run([sys.executable, *check[1:]], env=env, capture_output=True, timeout=30)
        assert result.returncode != 0, f"{path}: healthcheck passed with nothing listening"


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    for pattern in (".venv", ".git", "**/var", "**/__pycache__"):
        assert pattern in ignored, f".dockerignore lets {pattern} into every image build"
    assert not {"servicekit", "services", "gateway", "requirements.txt"} & ignored
