"""Signing in and out, the signed-in account (/me), the password policy, and /accounts."""

from __future__ import annotations

from provisioning.accounts import policy, service, sessions
from provisioning.accounts.auth import (
    ADMINS,
    allowed_with_expired_password,
    current_account,
    public,
    require,
    roles,
)
from provisioning.accounts.schemas import (
    AccountListArgs,
    AccountPage,
    AccountPatchSchema,
    AccountSchema,
    LoginSchema,
    MePatchSchema,
    PasswordChangeSchema,
    PasswordPolicySchema,
    PolicyArgs,
    SessionSchema,
)
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.phones.proxy import client_view

blp = Blueprint("accounts", __name__, url_prefix="",
                description="Accounts, signing in and out, the password policy")


def _client_addr() -> str | None:
    # Behind a proxy listed in TRUSTED_PROXIES the address it forwards; else the direct peer
    # (a forged X-Forwarded-For cannot move a client out of its own throttling bucket).
    return client_view().addr


@blp.route("/auth/tokens", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(LoginSchema)
@blp.response(201, SessionSchema)
@blp.alt_response(401, description="Wrong username or password (the same for unknown names)")
@blp.alt_response(429, description="Too many failed logins: login_throttled or login_locked")
@public
@allowed_with_expired_password
def create_token(data):
    return sessions.log_in(data["username"], data["password"], _client_addr())


@blp.route("/auth/tokens/current", methods=["DELETE"])
@blp.response(204)
@allowed_with_expired_password
def delete_current_token():
    sessions.log_out()


@blp.route("/me", methods=["GET"])
@blp.response(200, AccountSchema)
@allowed_with_expired_password
def get_me():
    return with_etag(current_account())


@blp.route("/me", methods=["PATCH"])
@blp.arguments(MePatchSchema)
@blp.response(200, AccountSchema)
@allowed_with_expired_password
def update_me(data):
    check_if_match(current_account())
    return with_etag(sessions.update_me(data))


@blp.route("/me/password", methods=["PUT"])
@blp.arguments(PasswordChangeSchema)
@blp.response(200, SessionSchema)
@allowed_with_expired_password
def change_my_password(data):
    return sessions.change_own_password(data["current_password"], data["new_password"],
                                        _client_addr())


@blp.route("/password-policy", methods=["GET"])
@blp.arguments(PolicyArgs, location="query")
@blp.response(200, PasswordPolicySchema)
@allowed_with_expired_password
def get_password_policy(args):
    return policy.describe(service.policy_tenant(args.get("tenant_id")))


@blp.route("/accounts", methods=["GET"])
@blp.arguments(AccountListArgs, location="query")
@blp.response(200, AccountPage)
def list_accounts(args):
    return paginate(service.visible_accounts(args), args)


@blp.route("/accounts", methods=["POST"])
@roles(*ADMINS)
@blp.arguments(AccountSchema)
@blp.response(201, AccountSchema)
def create_account(data):
    return with_etag(service.create_account(data), 201)


@blp.route("/accounts/<int:account_id>", methods=["GET"])
@blp.response(200, AccountSchema)
def get_account(account_id):
    return with_etag(service.get_account(account_id))


@blp.route("/accounts/<int:account_id>", methods=["PATCH"])
@blp.arguments(AccountPatchSchema)
@blp.response(200, AccountSchema)
def update_account(data, account_id):
    account = service.get_account(account_id)
    check_if_match(account)
    return with_etag(service.update_account(account, data))


@blp.route("/accounts/<int:account_id>", methods=["DELETE"])
@blp.response(204)
def delete_account(account_id):
    account = service.get_account(account_id)
    require(*ADMINS)
    check_if_match(account)
    service.delete_account(account)
