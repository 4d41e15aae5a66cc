"""A sheet's scanned prescriptions (SCOR pieces) on its page: attached by an upload (the
file checked whole before anything is kept: host_agent/pieces_check.py; a refusal is the
sheet's page again with its French sentence and a 4xx), and served as a download of the
type read from its bytes, never shown inline nor sniffed (docs/web.md "Pièces
justificatives"). Each download is a line of the PC's access log (web/access.py)."""

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from host_agent import overview, pieces, pieces_check
from host_agent.errors import AgentError
from host_agent.web import render
from host_agent.web.app import checked_form, log_page_shown

router = APIRouter()
SheetId = Annotated[int, Path(ge=0, le=2**63 - 1)]
PieceId = Annotated[int, Path(ge=0, le=2**63 - 1)]
# A request longer than the file and its form is refused before it is read (app.py
# MAX_PIECE_BODY).


@router.post("/feuilles/{sheet_id}/pieces")
async def attach(request: Request, sheet_id: SheetId):
    try:
        form = await checked_form(request)
    except ClientDisconnect:
        raise HTTPException(400) from None
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        error = pieces_check.PieceError(
            "no file", "Choisissez le fichier de l'ordonnance numérisée.", 400
        )
        return await _refused(request, sheet_id, error)
    data = await file.read(pieces_check.MAX_BYTES + 1)
    viewer = request.state.viewer
    try:
        await render.with_store(
            request,
            lambda store: pieces.attach(
                store, sheet_id, data, file.filename, file.content_type or "",
                int(time.time()), viewer.who,
            ),
        )  # fmt: skip
    except pieces_check.PieceError as e:
        return await _refused(request, sheet_id, e)
    return render.redirect(
        request, "/feuilles/%d" % sheet_id, "Ordonnance numérisée jointe à la feuille."
    )


async def _refused(request: Request, sheet_id: int, error: pieces_check.PieceError):
    """The sheet's page with the refusal on it, in the refusal's status."""
    day = render.today(request.app.state.config)
    detail = await render.with_store(
        request, lambda store: overview.sheet_detail(store, sheet_id, day)
    )
    if detail is None:
        raise HTTPException(404)
    await log_page_shown(request, ("GET", "/feuilles/{sheet_id}"), sheet_id)
    return render.page(
        request,
        "sheet.html",
        error.status,
        title="Feuille n° %d" % detail.line.row["order_no"],
        d=detail,
        piece_error=error.french,
    )


@router.get("/feuilles/{sheet_id}/pieces/{piece_id}")
async def download(request: Request, sheet_id: SheetId, piece_id: PieceId):
    try:
        media_type, name, data = await render.with_store(
            request, lambda store: pieces.content(store, sheet_id, piece_id)
        )
    except AgentError:
        raise HTTPException(404) from None
    return Response(
        data,
        media_type=media_type,
        headers={
            # Saved, never opened in the page; its name ASCII (RFC 6266's plain form) and in
            # full in filename* (RFC 5987): a quote or a line break in it cannot split it.
            "Content-Disposition": render.attachment(name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
