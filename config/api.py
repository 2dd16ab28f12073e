"""The REST API (/api/v1): one NinjaAPI, each app contributing its router.

Signed-in browsers use their session (CSRF token required on every change); scripts send a personal API
token as ``Authorization: Bearer <token>``. The OpenAPI document is at /api/v1/openapi.json and the
interactive docs at /api/v1/docs, both served from this installation (no CDN).
"""

from ninja import NinjaAPI, Swagger

from kamdesk.accounts.api import router as accounts_router
from kamdesk.activities.api import activities_router, tasks_router
from kamdesk.activities.api_calendar import router as activity_calendar_router
from kamdesk.activities.api_storechecks import router as store_checks_router
from kamdesk.activities.api_timeline import router as timeline_router
from kamdesk.core.api import api_auth, install_error_handlers
from kamdesk.people.api import router as contacts_router
from kamdesk.people.api_coverage import router as coverage_router
from kamdesk.people.api_relationships import router as relationships_router
from kamdesk.people.api_vcard import router as vcard_router
from kamdesk.sales import api_dashboards, api_pnl, api_products, api_sales_import
from kamdesk.users.api import teams_router, tokens_router, users_router

DESCRIPTION = """\
Accounts, their hierarchy and teams, stakeholders, activities and tasks, users and personal API tokens.

Lists answer `{"items": [...], "count": N}` and take `?limit=` (1-500, default 50) and `?offset=`.
Errors answer `{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`; a record you may
not see answers 404, exactly like a missing one.
"""


class KamdeskAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # Short, stable ids (list_accounts, update_contact, ...): handler names are unique across the API.
        return operation.view_func.__name__


api = KamdeskAPI(
    title="kamdesk API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=api_auth(),
    # The page loads Swagger UI from the installed package's static files; no online validator badge.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
install_error_handlers(api)

api.add_router("/accounts", accounts_router)
api.add_router("/contacts", contacts_router)
api.add_router("", relationships_router)  # its route names its own path under /accounts/{id}
api.add_router("", vcard_router)  # /contacts/{id}/vcard, /accounts/{id}/stakeholders.vcf
api.add_router("/activities", activities_router)
api.add_router("/activities", activity_calendar_router)
api.add_router("", store_checks_router)  # /activities/{id}/store-check, /photos; /accounts/{id}/store-check-trend
api.add_router("/tasks", tasks_router)
api.add_router("/users", users_router)
api.add_router("/teams", teams_router)
api.add_router("/tokens", tokens_router)
# The communication plan names its own paths (/accounts/{id}/coverage, /touchpoints, /coverage/...).
api.add_router("", coverage_router)
# The commercial routers name their own paths (/products, /sales/..., /targets, /pnl, /concentration).
for commercial in (api_products, api_sales_import, api_pnl, api_dashboards):
    api.add_router("", commercial.router)
api.add_router("", timeline_router)  # /accounts/{id}/timeline
