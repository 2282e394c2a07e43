"""Sign in, sign out and the language switch. A page asked for without a session (or whose token the API
no longer accepts) leads to sign-in and, after it, back to that page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from console.api import ApiError, SignInNeeded, api
from console.i18n import COOKIE, LANGUAGES
from console.people import live_claims

blp = Blueprint("auth", __name__)
#: Endpoints open without a session.
OPEN = frozenset({"auth.signin", "auth.language", "static", "healthz"})


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page (no open redirect)."""
    if not target:
        return url_for("today.index")
    parts = urlsplit(target)
    # A backslash or a control character may be read by a browser as a slash ("/\\evil" is "//evil").
    odd = "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target)
    if parts.scheme or parts.netloc or odd or not target.startswith("/") or target.startswith("//"):
        return url_for("today.index")
    return target


def to_signin() -> BaseResponse:
    """Send the browser to sign-in, remembering the page it was on (the page htmx was updating, for a part)."""
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        here = current.path + (f"?{current.query}" if current.query else "")
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url_for("auth.signin", next=safe_next(here or None))
        return response
    here = request.full_path.rstrip("?") if request.method == "GET" else request.referrer and urlsplit(
        request.referrer).path
    return redirect(url_for("auth.signin", next=safe_next(here or None)))


def standing(token: str | None) -> bool:
    """Whether the session's token is still worth sending: present, readable and not past its expiry (the API
    decides the rest, and its 401 leads to sign-in all the same)."""
    return live_claims(token) is not None


def require_session() -> BaseResponse | None:
    """Before every request: a page needs a signed-in person whose token has not expired."""
    if request.endpoint in OPEN:
        return None
    if standing(session.get("token")):
        return None
    session.pop("token", None)
    return to_signin()


@blp.after_app_request
def confirm_standing(response: Response) -> BaseResponse:
    """A page that asked the API nothing still confirms that the person's session stands (the gateway ends it when
    their password, role or stores change, or they are deactivated), so no page is shown on a session that
    ended. Pages that ask the API learn it from its 401 and cost nothing more. The question asked is "who am I"
    (GET /auth/me), which the gateway answers 401 for a token that no longer stands."""
    if (request.method != "GET" or response.status_code != 200 or request.endpoint in OPEN
            or request.endpoint is None or request.headers.get("HX-Request") or not session.get("token")
            or (g.get("api") is not None and g.api.calls)):
        return response
    try:
        api().get("/auth/me")
    except SignInNeeded:
        session.pop("token", None)
        return to_signin()
    except ApiError:
        pass  # a refusal or an unavailable gateway says nothing against the session
    return response


def _display_name() -> str | None:
    """The signed-in person's display name (李四), shown in the header; None when it cannot be had now."""
    try:
        return api().get("/auth/me").get("display_name")
    except ApiError:
        return None


@blp.route("/signin", methods=["GET", "POST"])
def signin():
    target = safe_next(request.values.get("next"))
    error, username = None, ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error = _("Enter your username and password.")
        else:
            try:
                token = api().post("/auth/token", {"username": username, "password": password})
            except ApiError as refused:
                if refused.status in (400, 401, 422):
                    error = _("The username or password is wrong, or the account is deactivated.")
                elif refused.status == 429:
                    error = _("Too many attempts. Wait a moment and try again.")
                else:
                    error = _("Signing in is unavailable right now. Try again shortly.")
            else:
                language = session.get("lang")
                session.clear()  # a fresh session (and CSRF token) for the person who signed in
                session.permanent = True
                session["token"] = token["access_token"]
                session["display_name"] = _display_name()
                if language:
                    session["lang"] = language
                return redirect(target)
    status = 401 if error and request.method == "POST" else 200
    return render_template("signin.html", error=error, username=username, next=target), status


@blp.route("/signout", methods=["POST"])
def signout():
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("auth.signin"))


@blp.route("/language", methods=["POST"])
def language():
    """Switch the person's language (kept in the session and, for the next sign-in, a cookie)."""
    chosen = request.form.get("lang")
    response = redirect(safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))
    if chosen in LANGUAGES:
        session["lang"] = chosen
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, samesite="Strict",
                            secure=request.scheme == "https")
    return response
