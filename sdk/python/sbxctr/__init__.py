# SPDX-License-Identifier: Apache-2.0
"""Client for `sbxctr serve`: run untrusted code in sandboxes over HTTP/JSON.

Standard library only. One Client keeps one connection and is not meant to
be shared between threads (make one per thread).
"""
from ._client import Client, Sandbox
from ._errors import (
    BadRequest,
    Conflict,
    Forbidden,
    HeaderTooLarge,
    InsufficientStorage,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    SbxError,
    ServerError,
    TooManySandboxes,
    Unauthorized,
    Unavailable,
)
from ._types import Event, Result

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Sandbox",
    "Result",
    "Event",
    "SbxError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "PayloadTooLarge",
    "TooManySandboxes",
    "HeaderTooLarge",
    "ServerError",
    "Unavailable",
    "InsufficientStorage",
]
