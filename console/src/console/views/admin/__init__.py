"""Administration (管理员): staff accounts, API keys for integrations, and the dealer group's stores.

The API decides who may do what (these routes are the admins'); the pages show their forms and buttons to admins
only. A password or an API key's secret is never shown again after it was set or created, and never goes into a
URL: the secret of a new key is in the answer to the form that created it and nowhere else.

One module per page: staff accounts (users), API keys (api_keys), stores (stores); what they share in common."""
from console.views.admin import api_keys, stores, users
from console.views.admin.common import blp

__all__ = ["api_keys", "blp", "stores", "users"]
