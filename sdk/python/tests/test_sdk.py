# SPDX-License-Identifier: Apache-2.0
"""The Python SDK against a real `sbxctr serve` (conftest.py starts it)."""
import os
import subprocess
import sys
import tempfile

import pytest

import sbxctr
from conftest import Server, free_port


def test_health(client):
    h = client.health()
    assert h["status"] == "ok"
    assert h["pool"]["target"] == 2


def test_run_captures_typed_result(client):
    r = client.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], time=2)
    assert isinstance(r, sbxctr.Result)
    assert (r.reason, r.exit_code, r.signal) == ("none", 3, None)
    assert r.stdout == b"out\n" and r.stderr == b"err\n"
    assert r.status == "ok" and not r.ok
    assert r.wall > 0 and r.cpu is not None and r.peak_memory > 0
    assert r.seccomp is None and r.error is None
    assert r.raw["limits"]["cpu_time_us"] == 2000000


def test_run_files_and_stdin(client):
    r = client.run(["/bin/sh", "-c", "cat a.txt; ./bin/x.sh; cat"],
                   files={"a.txt": "A", "bin/x.sh": ("#!/bin/sh\necho X\n", 0o755)}, stdin="from-stdin")
    assert r.ok, r
    assert r.stdout == b"AX\nfrom-stdin"


def test_run_binary_output_is_exact(client):
    r = client.run(["/bin/sh", "-c", "printf '\\377\\376\\000x'"])
    assert r.stdout == b"\xff\xfe\x00x"
    assert r.raw["stdout"]["encoding"] == "base64"


def test_run_limits(client):
    assert client.run(["/bin/sh", "-c", "while :; do :; done"], time=0.3).reason == "cpu-time"
    assert client.run(["/bin/sleep", "10"], wall_time=0.3).reason == "wall-time"
    r = client.run(["/bin/sh", "-c", "while :; do echo flood; done"], output_limit=1000)
    assert r.reason == "output" and r.stdout_truncated and len(r.stdout) == 1000


def test_run_seccomp_violation(client):
    r = client.run(["/usr/local/bin/sc_probe", "sys", "41", "2", "1", "0"], seccomp="compute-only")
    assert (r.reason, r.signal) == ("seccomp", 31)
    assert r.seccomp["syscall"] == "socket"


def test_run_tests_and_compile(client):
    r = client.run(["./sq"], compile={"argv": ["/bin/sh", "-c", "printf '#!/bin/sh\\nread n; echo $((n*n))\\n' > sq;"
                                               " chmod +x sq"], "artifacts": ["sq"]},
                   tests=[{"id": "t1", "stdin_text": "3\n"}, {"id": "t2", "stdin_text": "4\n"}])
    assert r.status == "ok" and r.compile.exit_code == 0
    assert [(t.id, t.stdout) for t in r.tests] == [("t1", b"9\n"), ("t2", b"16\n")]
    assert r.ok


def test_batch_iterates_as_jobs_finish(client):
    jobs = [client.job(["/bin/sh", "-c", f"sleep 0.{3 - i}; echo {i}"], id=f"j{i}") for i in range(3)]
    jobs.append({"id": "bad", "argv": ["true"], "time": "soon"})
    results = {r.id: r for r in client.batch(jobs)}
    assert set(results) == {"j0", "j1", "j2", "bad"}
    for i in range(3):
        assert results[f"j{i}"].ok
    assert results["bad"].status == "internal" and "time" in results["bad"].error
    assert sorted(r.line for r in results.values()) == [1, 2, 3, 4]


def test_session_keeps_files_between_commands(client):
    with client.sandbox(idle_ttl=30, env={"GREETING": "hi"}) as sb:
        sb.write_file("data/in.txt", b"42\n")
        r = sb.exec(["/bin/sh", "-c", "cat data/in.txt > out.txt; echo $GREETING $EXTRA; pwd"], env={"EXTRA": "x"})
        assert r.ok and r.stdout == b"hi x\n/work\n"
        assert sb.read_file("out.txt") == b"42\n"
        r = sb.exec(["/bin/sh", "-c", "ls; cat"], cwd="/work/data", stdin="in")
        assert r.stdout == b"in.txt\nin"
        assert sb.exec(["/bin/sh", "-c", "exit 5"]).exit_code == 5
        events = list(sb.exec_stream(["/bin/sh", "-c", "echo a; sleep 0.2; echo b >&2"]))
        assert [(e.stream, e.data) for e in events[:-1]] == [("stdout", b"a\n"), ("stderr", b"b\n")]
        assert isinstance(events[-1], sbxctr.Result) and events[-1].ok
        assert sb.exec(["/bin/sh", "-c", "while :; do :; done"], time=0.2).reason == "cpu-time"
        sb.delete_file("out.txt")
        with pytest.raises(sbxctr.NotFound):
            sb.read_file("out.txt")
        assert sb.info()["execs"] == 5
        sid = sb.id
        assert any(s["id"] == sid for s in client.sandboxes())
    with pytest.raises(sbxctr.NotFound):
        sbxctr.Sandbox(client, sid).exec(["true"])


def test_session_file_rules(client):
    with client.sandbox() as sb:
        sb.exec(["/bin/sh", "-c", "ln -s /etc/passwd link; mkfifo fifo; echo x > f; ln f hard"])
        for path, cls in (("link", sbxctr.Forbidden), ("fifo", sbxctr.Forbidden), ("hard", sbxctr.Forbidden),
                          ("../etc/passwd", sbxctr.BadRequest), ("missing", sbxctr.NotFound)):
            with pytest.raises(cls) as e:
                sb.read_file(path)
            assert e.value.field == "path"
        # a write replaces what the sandbox planted, never writes through it
        sb.write_file("link", b"mine")
        assert sb.exec(["/bin/sh", "-c", "[ -L link ] || cat link"]).stdout == b"mine"


def test_errors_are_typed_with_fields(client):
    with pytest.raises(sbxctr.BadRequest) as e:
        client.run(["true"], time="soon")
    assert e.value.field == "time" and e.value.status == 400
    with pytest.raises(sbxctr.Forbidden) as e:
        client.run(["true"], stdout="/etc/motd")
    assert e.value.field == "stdout"
    with pytest.raises(sbxctr.BadRequest) as e:
        client.run(["true"], no_such_field=1)
    assert e.value.field == "no_such_field"
    with pytest.raises(sbxctr.PayloadTooLarge):
        client.run(["true"], stdin="x" * (2 << 20))
    with pytest.raises(sbxctr.NotFound):
        client._json("GET", "/v1/nothing")
    with pytest.raises(sbxctr.MethodNotAllowed):
        client._json("DELETE", "/v1/run")


def test_pooled_runs_are_fresh(server, client):
    before = client.metrics()
    first = client.run(["/bin/sh", "-c", "echo secret > /work/left; export LEFT=1; sleep 100 & echo $!"],
                       env={"MINE": "1"})
    assert first.ok
    for _ in range(3):
        r = client.run(["/bin/sh", "-c", "ls -A /work; env | grep -c -e MINE -e LEFT; ps -o comm | grep -c sleep"])
        assert r.stdout == b"0\n0\n", r.stdout
    after = client.metrics()

    def hits(text):
        return int([ln for ln in text.splitlines() if ln.startswith("sbxctr_pool_hits_total ")][0].split()[1])
    assert hits(after) > hits(before)


def test_tcp_needs_the_token():
    port = free_port()
    token = "t0ken-" + "x" * 20
    s = Server(listen=f"127.0.0.1:{port}", token=token)
    try:
        with sbxctr.Client(url=f"http://127.0.0.1:{port}", token="wrong-token-xxxxxxxxxx") as c:
            with pytest.raises(sbxctr.Unauthorized):
                c.health()
        with sbxctr.Client(url=f"http://127.0.0.1:{port}") as c:
            with pytest.raises(sbxctr.Unauthorized):
                c.health()
        with sbxctr.Client(url=f"http://127.0.0.1:{port}", token=token) as c:
            assert c.run(["/bin/echo", "tcp"]).stdout == b"tcp\n"
        # the Unix socket needs no token: its permissions are the access control
        assert s.client().health()["status"] == "ok"
    finally:
        s.stop()


def test_pip_install_works_offline():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--quiet", "--target", d, here],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([sys.executable, "-c", "import sbxctr; print(sbxctr.__version__, sbxctr.Client)"],
                           capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=d), cwd=d)
        assert r.returncode == 0 and r.stdout.startswith("0.1.0"), r.stderr
