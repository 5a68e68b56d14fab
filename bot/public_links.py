"""``GET /d/<token>``: the stored PDF of a document behind a public link, byte for byte as it
was sent. Unknown, expired and revoked tokens all get the same 404 page (nothing to learn
by guessing)."""

from __future__ import annotations

from aiohttp import web

from services.delivery import DeliveryService
from services.errors import NotFound

NOT_FOUND_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>404</title></head>
<body><h1>404</h1><p>This link is not valid: it may have expired or been revoked.</p>
<p>Ссылка недействительна: срок её действия истёк или она отозвана.</p>
<p>Linkul nu este valid: a expirat sau a fost revocat.</p></body></html>
"""


def mount_public_links(web_app: web.Application, delivery: DeliveryService) -> None:
    async def public_document(request: web.Request) -> web.Response:
        try:
            stored = await delivery.public_document(request.match_info["token"])
        except NotFound:
            return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html",
                                headers={"Cache-Control": "no-store"})
        return web.Response(
            body=stored.content, content_type=stored.mime_type,
            headers={"Content-Disposition": f'inline; filename="{stored.filename}"',
                     "Cache-Control": "private, no-store",
                     "X-Content-Type-Options": "nosniff",
                     "ETag": f'"{stored.sha256}"'})

    web_app.router.add_get("/d/{token}", public_document)
