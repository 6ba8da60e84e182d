"""What the casework page groups share: rendering with their strings, post/redirect/get."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from hotline.agencies import service as agencies
from hotline.console.routes import console_lang, render
from hotline.kit.errors import CodedError
from hotline.users.models import StaffUser

CsrfField = Annotated[str, Form()]


def render_with(
    request: Request,
    strings: str,
    template: str,
    user: StaffUser | None,
    status_code: int = 200,
    helper: str = "tc",
    **ctx: Any,
) -> HTMLResponse:
    """Render a console page whose own strings (`strings`.*) the template reads through `helper`.

    The header's sections are shown once someone is signed in.
    """
    catalog = request.app.state.catalog
    lang = console_lang(request)

    def translate(key: str, **params: Any) -> str:
        return str(catalog.t(lang, f"{strings}.{key}", **params))

    return render(
        request,
        catalog,
        template,
        user=user,
        status_code=status_code,
        sections=request.app.state.console_sections if user else None,
        **{helper: translate},
        **ctx,
    )


def say(request: Request, error: CodedError) -> str:
    """A service's error in the console user's language."""
    return error.message(request.app.state.catalog, console_lang(request))


def page(request: Request, template: str, user: StaffUser, **ctx: Any) -> HTMLResponse:
    """Render with `tc` for the casework pages' strings (console_cases.*)."""
    return render_with(request, "console_cases", template, user, **ctx)


def back(path: str, error: str | None = None) -> RedirectResponse:
    """Post/redirect/get, with an optional short error code in the query."""
    return RedirectResponse(path + (f"?error={error}" if error else ""), status_code=303)


def agency_names(session: Session) -> dict[str, str]:
    """Agency code -> its name, for screens that would otherwise show codes."""
    return {a.code: a.name for a in agencies.list_agencies(session)}
