"""`ca-lifecycle emulator`: first line, serving, clean exit on SIGTERM/SIGINT, bad seeds."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from ca_lifecycle_cli.main import main

SEED = """\
domains:
  - name: acme
    repositories:
      - name: release
        packages:
          - format: npm
            name: widgets
            versions:
              - {version: "1.0.0", status: Published, published: "2025-01-01T00:00:00Z"}
              - {version: "1.1.0", status: Archivd}
"""


def test_bad_seed_exits_2_with_one_line_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    code = main(["emulator", "--seed", str(seed)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"error: {seed}: domains[0].repositories[0].packages[0].versions[1].status: "
        "must be one of Published, Unfinished, Unlisted, Archived, Disposed, not 'Archivd'"
    ]


def test_missing_seed_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["emulator", "--seed", str(tmp_path / "nope.json")])
    assert code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    assert "cannot read" in line


def test_an_address_in_use_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["emulator", "--port", str(port)])
    assert code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")


@pytest.mark.integration
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serves_the_seed_until_signalled(tmp_path: Path, stop_signal: signal.Signals) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED.replace("Archivd", "Archived"))
    process = subprocess.Popen(
        [sys.executable, "-m", "ca_lifecycle_cli.main", "emulator", "--port", "0", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("CODEARTIFACT_ENDPOINT=http://127.0.0.1:")
        endpoint = first.removeprefix("CODEARTIFACT_ENDPOINT=")
        request = urllib.request.Request(
            endpoint + "/v1/package/versions?domain=acme&repository=release&format=npm&package=widgets",
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            listed = json.loads(response.read())
        assert [(v["version"], v["status"]) for v in listed["versions"]] == [
            ("1.0.0", "Published"),
            ("1.1.0", "Archived"),
        ]
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
