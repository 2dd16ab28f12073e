"""The REST API (/api/v1): one NinjaAPI, each app contributing its router."""

from ninja import NinjaAPI

api = NinjaAPI(title="kamdesk API", version="1", urls_namespace="api")
