# SPDX-License-Identifier: Apache-2.0
"""The HTTP client: a Unix socket or a URL (TCP, with a bearer token; TLS through a proxy)."""
import base64
import http.client
import json
import socket as _socket
import urllib.parse
import uuid
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from ._errors import error_for
from ._types import Event, Result

DEFAULT_SOCKET = "/run/sbxctr/api.sock"

Data = Union[str, bytes]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=None):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        if self.timeout is not None:
            s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


def _text(data: Data, what: str) -> str:
    """A job's inline contents travel as a JSON string: text, not arbitrary bytes."""
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{what}: not UTF-8; put binary files into a sandbox with write_file()") from None
    return data


def _files(files: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """{"path": data | (data, mode)} -> the job line's "files"."""
    if files is None:
        return None
    out = {}
    for path, v in files.items():
        mode = None
        if isinstance(v, tuple):
            v, mode = v
        entry = {"text": _text(v, f"files[{path!r}]")}
        if mode is not None:
            entry["mode"] = f"{mode:04o}" if isinstance(mode, int) else mode
        out[path] = entry
    return out


class Client:
    """A connection to `sbxctr serve`.

    Client(socket="/run/sbxctr/api.sock") or Client(url="http://host:port", token="...").
    With neither, the default socket. timeout (seconds) applies to each
    socket operation; None waits as long as a run takes.
    """

    def __init__(self, socket: Optional[str] = None, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: Optional[float] = None):
        if socket and url:
            raise ValueError("give socket or url, not both")
        self._socket = socket if socket or url else DEFAULT_SOCKET
        self._url = urllib.parse.urlsplit(url) if url else None
        if self._url and self._url.scheme not in ("http", "https"):
            raise ValueError(f"url: expected http:// or https://, got {url!r}")
        self._token = token
        self._timeout = timeout
        self._conn = None

    # --- plumbing -------------------------------------------------------------

    def _new_conn(self):
        if self._socket:
            return _UnixConnection(self._socket, timeout=self._timeout)
        u = self._url
        cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
        return cls(u.hostname, u.port, timeout=self._timeout)

    def _path(self, path: str) -> str:
        prefix = self._url.path.rstrip("/") if self._url else ""
        return prefix + path

    def _headers(self, ctype: Optional[str] = None) -> Dict[str, str]:
        h = {}
        if self._token:
            h["Authorization"] = f"Bearer {self._token}"
        if ctype:
            h["Content-Type"] = ctype
        return h

    def _send(self, conn, method, path, body, ctype):
        try:
            conn.request(method, self._path(path), body=body, headers=self._headers(ctype))
        except (BrokenPipeError, ConnectionResetError):
            # the server answered early (a body above its cap) and closed: its answer is still there
            if body is None:
                raise
        return conn.getresponse()

    def _request(self, method: str, path: str, body: Optional[bytes] = None, ctype: Optional[str] = None):
        """Status and body of one request on the kept connection.

        A kept connection the server closed meanwhile (its idle timeout) fails
        before any answer: the request is then sent once more on a new one.
        A new connection that fails is an error (the request may have run).
        """
        while True:
            reused = self._conn is not None
            if not reused:
                self._conn = self._new_conn()
            try:
                resp = self._send(self._conn, method, path, body, ctype)
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if not reused:
                    raise

    @staticmethod
    def _raise(status: int, data: bytes):
        try:
            o = json.loads(data)
            raise error_for(status, o.get("error") or f"HTTP {status}", o.get("field"))
        except (ValueError, AttributeError):
            raise error_for(status, data.decode("utf-8", "replace").strip() or f"HTTP {status}") from None

    def _json(self, method: str, path: str, payload: Any = None, ok=(200, 201)) -> Any:
        body = json.dumps(payload).encode() if payload is not None else None
        resp, data = self._request(method, path, body, "application/json" if body is not None else None)
        if resp.status not in ok:
            self._raise(resp.status, data)
        return json.loads(data) if data else None

    def _stream(self, method: str, path: str, body: bytes, ctype: str) -> Iterator[Dict[str, Any]]:
        """JSON lines of a streamed answer, as they arrive (on a connection of their own)."""
        conn = self._new_conn()
        try:
            resp = self._send(conn, method, path, body, ctype)
            if resp.status != 200:
                self._raise(resp.status, resp.read())
            while True:
                line = resp.readline()
                if not line:
                    break
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the API ---------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        return self._json("GET", "/v1/health")

    def metrics(self) -> str:
        resp, data = self._request("GET", "/metrics")
        if resp.status != 200:
            self._raise(resp.status, data)
        return data.decode()

    @staticmethod
    def job(argv: Optional[Sequence[str]] = None, *, files: Optional[Dict[str, Any]] = None,
            stdin: Optional[Data] = None, id: Optional[str] = None, **options) -> Dict[str, Any]:
        """A job line: argv, files {path: data | (data, mode)}, stdin, and any job field (time, memory...)."""
        j: Dict[str, Any] = {"id": id or uuid.uuid4().hex}
        if argv is not None:
            j["argv"] = list(argv)
        if files is not None:
            j["files"] = _files(files)
        if stdin is not None:
            j["stdin_text"] = _text(stdin, "stdin")
        for k, v in options.items():
            if v is not None:
                j[k] = v
        return j

    def run(self, argv: Sequence[str], *, files: Optional[Dict[str, Any]] = None, stdin: Optional[Data] = None,
            time: Optional[float] = None, wall_time: Optional[float] = None, memory: Union[int, str, None] = None,
            capture: bool = True, id: Optional[str] = None, **options) -> Result:
        """Runs one job (POST /v1/run) and returns its Result, output included unless capture=False."""
        j = self.job(argv, files=files, stdin=stdin, id=id, time=time, wall_time=wall_time, memory=memory,
                     **options)
        j["capture"] = capture
        return Result.from_json(self._json("POST", "/v1/run", j))

    def batch(self, jobs: Iterable[Dict[str, Any]], parallel: Optional[int] = None) -> Iterator[Result]:
        """Runs job lines (dicts, see job()) and yields their Results as they finish."""
        lines = []
        for j in jobs:
            if "id" not in j:
                j = dict(j, id=uuid.uuid4().hex)
            lines.append(json.dumps(j))
        body = ("\n".join(lines) + "\n").encode()
        path = "/v1/batch" + (f"?parallel={int(parallel)}" if parallel else "")
        for o in self._stream("POST", path, body, "application/x-ndjson"):
            yield Result.from_json(o)

    def sandbox(self, *, files: Optional[Dict[str, Any]] = None, idle_ttl: Optional[float] = None,
                max_lifetime: Optional[float] = None, **options) -> "Sandbox":
        """A session (POST /v1/sandboxes): limits, rootfs, seccomp, net, env, files; a context manager."""
        body: Dict[str, Any] = {k: v for k, v in options.items() if v is not None}
        if files is not None:
            body["files"] = _files(files)
        if idle_ttl is not None:
            body["idle_ttl"] = idle_ttl
        if max_lifetime is not None:
            body["max_lifetime"] = max_lifetime
        info = self._json("POST", "/v1/sandboxes", body)
        return Sandbox(self, info["id"], info)

    def sandboxes(self) -> List[Dict[str, Any]]:
        return self._json("GET", "/v1/sandboxes")["sandboxes"]


class Sandbox:
    """A session: a sandbox kept between commands, with its workdir."""

    def __init__(self, client: Client, id: str, info: Optional[Dict[str, Any]] = None):
        self.client = client
        self.id = id
        self.info_at_start = info or {}
        self.closed = False

    def _p(self, suffix: str = "") -> str:
        return f"/v1/sandboxes/{self.id}{suffix}"

    def _file_path(self, path: str) -> str:
        return self._p("/files/" + urllib.parse.quote(path.lstrip("/"), safe="/"))

    def exec(self, argv: Sequence[str], *, env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None,
             stdin: Optional[Data] = None, time: Optional[float] = None, wall_time: Optional[float] = None,
             output_limit: Union[int, str, None] = None, stderr_to_stdout: bool = False) -> Result:
        """Runs a command in the session and returns its Result."""
        return Result.from_json(self.client._json("POST", self._p("/exec"), self._exec_body(
            argv, env, cwd, stdin, time, wall_time, output_limit, stderr_to_stdout, False)))

    def exec_stream(self, argv: Sequence[str], *, env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None,
                    stdin: Optional[Data] = None, time: Optional[float] = None, wall_time: Optional[float] = None,
                    output_limit: Union[int, str, None] = None,
                    stderr_to_stdout: bool = False) -> Iterator[Union[Event, Result]]:
        """The same, streamed: Events as the output comes, then the Result (without the output)."""
        body = json.dumps(self._exec_body(argv, env, cwd, stdin, time, wall_time, output_limit, stderr_to_stdout,
                                          True)).encode()
        for o in self.client._stream("POST", self._p("/exec"), body, "application/json"):
            if "result" in o:
                yield Result.from_json(o["result"])
            else:
                data = o.get("data", "")
                raw = base64.b64decode(data) if o.get("encoding") == "base64" else data.encode()
                yield Event(o.get("stream", "stdout"), raw)

    @staticmethod
    def _exec_body(argv, env, cwd, stdin, time, wall_time, output_limit, stderr_to_stdout, stream):
        b: Dict[str, Any] = {"argv": list(argv)}
        if env:
            b["env"] = dict(env)
        if cwd:
            b["cwd"] = cwd
        if stdin is not None:
            b["stdin_text"] = _text(stdin, "stdin")
        if time is not None:
            b["time"] = time
        if wall_time is not None:
            b["wall_time"] = wall_time
        if output_limit is not None:
            b["output_limit"] = output_limit
        if stderr_to_stdout:
            b["stderr_to_stdout"] = True
        if stream:
            b["stream"] = True
        return b

    def write_file(self, path: str, data: Data, mode: int = 0o644) -> None:
        """Writes a file in the workdir (directories made as needed), owned by the sandbox's user."""
        body = data.encode() if isinstance(data, str) else bytes(data)
        resp, out = self.client._request("PUT", self._file_path(path) + f"?mode={mode:04o}", body,
                                         "application/octet-stream")
        if resp.status != 200:
            Client._raise(resp.status, out)

    def read_file(self, path: str) -> bytes:
        """A regular file of the workdir (never through a symlink)."""
        resp, out = self.client._request("GET", self._file_path(path))
        if resp.status != 200:
            Client._raise(resp.status, out)
        return out

    def delete_file(self, path: str) -> None:
        resp, out = self.client._request("DELETE", self._file_path(path))
        if resp.status != 204:
            Client._raise(resp.status, out)

    def info(self) -> Dict[str, Any]:
        return self.client._json("GET", self._p())

    def close(self) -> None:
        """Ends the session (its processes are killed, its workdir goes)."""
        if self.closed:
            return
        self.closed = True
        resp, out = self.client._request("DELETE", self._p())
        if resp.status not in (204, 404):
            Client._raise(resp.status, out)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
