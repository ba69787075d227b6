# SPDX-License-Identifier: Apache-2.0
"""Typed errors: one class per kind of API error the server answers with."""


class SbxError(Exception):
    """An error answered by the service: {"error": message, "field": field}."""

    status = 0

    def __init__(self, message, status=None, field=None):
        super().__init__(message if not field else f"{message} (field: {field})")
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class BadRequest(SbxError):
    """400: a malformed request or a bad field value (see .field)."""

    status = 400


class Unauthorized(SbxError):
    """401: TCP without the right bearer token."""

    status = 401


class Forbidden(SbxError):
    """403: the service's policy refuses it (a host path, another rootfs...)."""

    status = 403


class NotFound(SbxError):
    """404: no such endpoint, sandbox (maybe expired) or file."""

    status = 404


class MethodNotAllowed(SbxError):
    status = 405


class Conflict(SbxError):
    """409: e.g. a file path that is a directory, a sandbox that stopped."""

    status = 409


class PayloadTooLarge(SbxError):
    """413: the request body (or a file) is above the server's cap."""

    status = 413


class TooManySandboxes(SbxError):
    """429: the server runs as many sandboxes as it may."""

    status = 429


class HeaderTooLarge(SbxError):
    status = 431


class ServerError(SbxError):
    status = 500


class Unavailable(SbxError):
    """503: the server is shutting down, or has too many connections."""

    status = 503


class InsufficientStorage(SbxError):
    """507: the file does not fit in the sandbox's workdir."""

    status = 507


_BY_STATUS = {
    c.status: c
    for c in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        TooManySandboxes,
        HeaderTooLarge,
        ServerError,
        Unavailable,
        InsufficientStorage,
    )
}


def error_for(status, message, field=None):
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else SbxError
    return cls(message, status=status, field=field)
