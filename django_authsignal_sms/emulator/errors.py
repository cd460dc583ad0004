"""API errors and the JSON envelope Authsignal wraps them in."""

from __future__ import annotations

UNAUTHORIZED_DESCRIPTION = (
    "The request is unauthorized. "
    "Check that your API key and region base URL are correctly configured."
)


class ApiError(Exception):
    """Raised by a route; the handler turns it into `{error, errorCode, errorDescription}`."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def envelope(self) -> dict[str, str]:
        return envelope(self.code, self.description)


def envelope(code: str, description: str) -> dict[str, str]:
    return {"error": code, "errorCode": code, "errorDescription": description}


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", UNAUTHORIZED_DESCRIPTION)


def expired_token() -> ApiError:
    return ApiError(401, "expired_token", "The token is unknown or has expired.")


def invalid_request(description: str) -> ApiError:
    return ApiError(400, "invalid_request", description)


def not_found(description: str) -> ApiError:
    return ApiError(404, "not_found", description)


def too_many_requests(description: str) -> ApiError:
    return ApiError(429, "too_many_requests", description)
