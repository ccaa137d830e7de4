"""The route table of the service."""

from __future__ import annotations

from aiohttp import web

from service import campaigns, config_api, health, jobs_api, openapi, webhook
from service.enums import JobKind

# Path segment of /api/scraping/<segment> → the job kind it creates.
SCRAPING_ROUTES = {
    "tiktok": JobKind.TIKTOK_KEYWORD,
    "youtube": JobKind.YOUTUBE_KEYWORD,
    "tiktok-similar": JobKind.TIKTOK_SIMILAR,
    "instagram": JobKind.INSTAGRAM_SIMILAR,
    "youtube-similar": JobKind.YOUTUBE_SIMILAR,
}


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/healthz", health.healthz)
    router.add_get("/metrics", health.metrics)
    router.add_get("/openapi.json", openapi.openapi)
    router.add_post("/api/campaigns", campaigns.create_campaign)
    router.add_get("/api/campaigns", campaigns.list_campaigns)
    router.add_get("/api/campaigns/{id}", campaigns.get_campaign)
    for segment, kind in SCRAPING_ROUTES.items():
        router.add_post(f"/api/scraping/{segment}", jobs_api.create_handler(kind))
        router.add_get(f"/api/scraping/{segment}", jobs_api.job_status)
    router.add_get("/api/jobs/{id}/results.csv", jobs_api.results_csv)
    router.add_get("/api/admin/config", config_api.get_config)
    router.add_put("/api/admin/config", config_api.put_config)
    # QStash-facing routes: POST /api/qstash/process-scraping, /failure, /sweep.
    webhook.add_webhook_routes(app)
