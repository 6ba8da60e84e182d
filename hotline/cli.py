"""Back-office commands of `canhgiac` (the bot adds serve, worker, channels and nlu)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from hotline.config import ConfigError, Settings, get_settings
from hotline.db.migrate import upgrade
from hotline.db.session import unit_of_work
from hotline.kit.crypto import generate_key
from hotline.kit.i18n import Catalog
from hotline.runtime import HotlineRuntime
from hotline.users import service as users
from hotline.users.models import Role, StaffUser

app = typer.Typer(
    help="Cảnh Giác — chatbot phòng, chống mua bán người / anti-trafficking chatbot.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Cơ sở dữ liệu / database.", no_args_is_help=True)
keys_app = typer.Typer(help="Khoá bí mật / keys.", no_args_is_help=True)
user_app = typer.Typer(help="Tài khoản cán bộ / staff users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(user_app, name="user")
retention_app = typer.Typer(help="Lưu giữ dữ liệu / data retention.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


class CliError(Exception):
    """A one-line error for the operator (exit 1, no traceback)."""


def runtime() -> HotlineRuntime:
    """The runtime from the environment, or a clear error."""
    try:
        return HotlineRuntime.from_settings(get_settings())
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    settings: Settings = get_settings()
    upgrade(settings.database_url)
    typer.echo("Đã cập nhật cơ sở dữ liệu / database upgraded")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new 32-byte URL-safe base64 key (for CANHGIAC_SECRET_KEY or CANHGIAC_DATA_KEY)."""
    typer.echo(generate_key())


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every encrypted column under CANHGIAC_DATA_KEY (old keys in *_PREVIOUS).

    Exits 1 if any value could not be read with the keys given: keep the old key until then.
    """
    from hotline.rotation import rotate_all

    rt = runtime()
    report = rotate_all(rt.sessions, rt.cipher)
    for name, count in report.rotated.items():
        bad = report.unreadable.get(name, 0)
        typer.echo(f"{name}: {count}" + (f" (không đọc được / unreadable: {bad})" if bad else ""))
    unreadable = sum(report.unreadable.values())
    if unreadable:
        raise CliError(
            f"{unreadable} giá trị không giải mã được, đừng bỏ khoá cũ / "
            f"{unreadable} values unreadable with the keys given: keep the old key"
        )
    typer.echo(
        "Đã mã hoá lại toàn bộ bằng khoá mới; có thể bỏ CANHGIAC_DATA_KEY_PREVIOUS / "
        "everything re-encrypted under the new key; CANHGIAC_DATA_KEY_PREVIOUS can go"
    )


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option(help="Tên đăng nhập / username")],
    role: Annotated[str, typer.Option(help="admin|supervisor|operator|communicator|agency")],
    agency: Annotated[
        str | None, typer.Option(help="Mã cơ quan / agency code (role agency)")
    ] = None,
) -> None:
    """Create a staff user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    rt = runtime()
    try:
        with unit_of_work(rt.sessions) as session:
            users.create_user(session, username, password, role, agency)
    except users.UserError as exc:
        raise CliError(exc.both(Catalog.load(rt.settings.content_dir))) from exc
    typer.echo(f"Đã tạo tài khoản / created: {username} ({role})")


@user_app.command("ensure-admin")
def user_ensure_admin(
    username: Annotated[str, typer.Option(help="Tên đăng nhập / username")] = "admin",
) -> None:
    """Create the first admin with a one-time password (demo); prints it."""
    rt = runtime()
    with unit_of_work(rt.sessions) as session:
        user = users.get_by_username(session, username)
        if user is not None and not user.must_change_password:
            typer.echo(f"Tài khoản {username} đã có mật khẩu riêng / already set up")
            return
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        if user is None:
            users.create_user(session, username, password, Role.admin, must_change_password=True)
        else:
            users.set_password(session, user, password)
            user.must_change_password = True
    typer.echo("")
    console = f"{rt.settings.public_url.rstrip('/')}/console"
    typer.echo(f"  Đăng nhập bảng điều khiển / console login: {console}")
    typer.echo(f"  Tên đăng nhập / username: {username}")
    typer.echo(f"  Mật khẩu dùng một lần / one-time password: {password}")
    typer.echo("")


@user_app.command("list")
def user_list() -> None:
    """List staff users."""
    from sqlalchemy import select

    rt = runtime()
    with unit_of_work(rt.sessions) as session:
        for u in session.scalars(select(StaffUser).order_by(StaffUser.username)):
            state = "active" if u.active else "disabled"
            typer.echo(f"{u.username}\t{u.role}\t{u.agency_code or '-'}\t{state}")


@retention_app.command("purge")
def retention_purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ đếm, không xoá / count only, delete nothing")
    ] = False,
) -> None:
    """Delete old conversation state, de-duplication markers and long-closed tips."""
    from hotline.db.base import utcnow
    from hotline.retention import purge

    rt = runtime()
    with unit_of_work(rt.sessions) as session:
        counts = purge(session, utcnow(), rt.settings, dry_run=dry_run)
        if dry_run:
            session.rollback()
    verb = "sẽ xoá / would delete" if dry_run else "đã xoá / deleted"
    for kind, n in counts.items():
        typer.echo(f"{kind}\t{n}\t{verb}")


def content_path_option() -> Path:
    """The default content directory."""
    return get_settings().content_dir
