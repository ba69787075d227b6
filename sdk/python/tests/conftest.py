# SPDX-License-Identifier: Apache-2.0
"""A real `sbxctr serve` for the tests: SBXCTR (the binary) and SBX_ROOTFS (a rootfs) from the environment."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import sbxctr  # noqa: E402


def _binary():
    b = os.environ.get("SBXCTR") or os.path.join(HERE, "..", "..", "..", "build", "sbxctr")
    if not os.access(b, os.X_OK):
        pytest.skip(f"no sbxctr binary at {b} (set SBXCTR)")
    return b


def _rootfs():
    r = os.environ.get("SBX_ROOTFS") or os.path.join(HERE, "..", "..", "..", "build", "rootfs")
    if not os.path.isdir(r):
        pytest.skip(f"no test rootfs at {r} (set SBX_ROOTFS)")
    return os.path.realpath(r)


class Server:
    def __init__(self, *extra, listen=None, token=None):
        if os.geteuid() != 0:
            pytest.skip("sbxctr serve needs root")
        # the sandboxes traverse the state directory to their attach point: 0755, not pytest's 0700 tmp
        self.dir = tempfile.mkdtemp(prefix="sbx-pytest.")
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, "api.sock")
        self.state = os.path.join(self.dir, "state")
        self.rootfs = _rootfs()
        args = [_binary(), "serve", "--quiet", "--socket", self.socket, "--state-dir", self.state,
                "--rootfs", self.rootfs, *extra]
        if listen:
            tf = os.path.join(self.dir, "token")
            with open(tf, "w") as f:
                f.write(token + "\n")
            os.chmod(tf, 0o600)
            args += ["--listen", listen, "--token-file", tf]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sbxctr serve exited with {self.proc.returncode}")
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.socket)
                s.close()
                break
            except OSError:
                time.sleep(0.02)
        else:
            raise RuntimeError("sbxctr serve did not start listening")

    def client(self, **kw):
        return sbxctr.Client(socket=self.socket, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    s = Server("--pool", "2", "--max-body", "1M", "--capture-max", "64k")
    yield s
    s.stop()


@pytest.fixture
def client(server):
    with server.client() as c:
        yield c


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
