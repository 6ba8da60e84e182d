"""GET /metrics for Prometheus: a bearer token, or loopback only when no token is set."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from hotline import metrics
from hotline.runtime import HotlineRuntime

router = APIRouter()


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authorize(request: Request, token: str | None) -> None:
    """Raise unless the scraper may read the metrics."""
    if not token:
        # Without a token the endpoint does not exist for anyone but the host itself.
        if not _is_loopback(request.client.host if request.client else None):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.encode(), token.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Chưa xác thực / not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.get("/metrics", include_in_schema=False)
def get_metrics(request: Request) -> Response:
    """Prometheus exposition of the process (or all processes) and the database gauges."""
    rt: HotlineRuntime = request.app.state.hotline
    secret = rt.settings.metrics_token
    authorize(request, secret.get_secret_value().strip() if secret else None)
    body, content_type = metrics.render(rt.engine)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
