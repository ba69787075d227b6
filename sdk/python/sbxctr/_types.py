# SPDX-License-Identifier: Apache-2.0
"""What the service answers, typed."""
import base64
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


def _stream_bytes(obj):
    if not isinstance(obj, dict) or "data" not in obj:
        return b"", False
    data = obj.get("data") or ""
    if obj.get("encoding") == "base64":
        raw = base64.b64decode(data)
    else:
        raw = data.encode("utf-8")
    return raw, bool(obj.get("truncated"))


def _seconds(us):
    return None if us is None else us / 1e6


@dataclass
class Result:
    """One run: a /v1/run or batch job (status, and tests or compile when the job had them), or a command."""

    reason: str
    exit_code: Optional[int]
    signal: Optional[int]
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    cpu: Optional[float] = None  # seconds, user + system, the whole process tree
    cpu_user: Optional[float] = None
    cpu_sys: Optional[float] = None
    wall: Optional[float] = None  # seconds
    peak_memory: Optional[int] = None  # bytes
    seccomp: Optional[Dict[str, Any]] = None  # {"syscall", "nr", "arch"} of a seccomp kill
    error: Optional[str] = None  # the service's error when reason is "internal"
    id: Optional[str] = None
    status: Optional[str] = None  # a job's: "ok", "compile-error", "internal"
    line: Optional[int] = None  # a batch job's line in the request
    compile: Optional["Result"] = None
    tests: Optional[List["Result"]] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """The program ran and exited 0 by itself (every test's, for a job with tests)."""
        if self.tests is not None:
            return self.status == "ok" and all(t.ok for t in self.tests)
        return self.reason == "none" and self.exit_code == 0 and self.status in (None, "ok")

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Result":
        out, out_cut = _stream_bytes(o.get("stdout"))
        err, err_cut = _stream_bytes(o.get("stderr"))
        user, sys_ = o.get("cpu_user_us"), o.get("cpu_sys_us")
        tests = o.get("tests")
        compile_ = o.get("compile")
        return cls(
            reason=o.get("reason", "internal" if tests is None else "none"),
            exit_code=o.get("exit_code"),
            signal=o.get("signal"),
            stdout=out,
            stderr=err,
            stdout_truncated=out_cut,
            stderr_truncated=err_cut,
            cpu=None if user is None or sys_ is None else (user + sys_) / 1e6,
            cpu_user=_seconds(user),
            cpu_sys=_seconds(sys_),
            wall=_seconds(o.get("wall_us")),
            peak_memory=o.get("peak_memory_bytes"),
            seccomp=o.get("seccomp"),
            error=o.get("error"),
            id=o.get("id"),
            status=o.get("status"),
            line=o.get("line"),
            compile=cls.from_json(compile_) if isinstance(compile_, dict) else None,
            tests=[cls.from_json(t) for t in tests] if isinstance(tests, list) else None,
            raw=o,
        )


@dataclass
class Event:
    """A streamed command's output as it comes: stream is "stdout" or "stderr"."""

    stream: str
    data: bytes
