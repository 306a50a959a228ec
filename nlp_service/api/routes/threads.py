"""/v1/threads: forum threads whose posts are analysed (and flagged) like answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Response

from nlp_service.api.deps import (
    AUTH_ERRORS,
    INPUT_ERRORS,
    NOT_FOUND,
    Ingester,
    Reader,
    State,
    ingest_responses,
)
from nlp_service.api.submit import ingest_one
from nlp_service.api.views import post_out, thread_out
from nlp_service.schemas import PostIn, PostOut, ThreadIn, ThreadOut
from nlp_service.services.ingest import build_item
from nlp_service.store import ThreadRepository

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from nlp_service.store.models import Entry, Thread

router = APIRouter(prefix="/v1/threads", tags=["threads"])


@router.post(
    "",
    summary="Open a thread",
    response_model=ThreadOut,
    status_code=201,
    responses={**AUTH_ERRORS, **INPUT_ERRORS},
)
async def create_thread(body: ThreadIn, state: State, principal: Ingester) -> ThreadOut:
    thread = await state.write(
        lambda s: ThreadRepository(s, principal.tenant_id).create(
            body.title, body.touchpoint, body.metadata
        )
    )
    return thread_out(thread, [])


@router.post(
    "/{thread_id}/posts",
    summary="Add a post to a thread",
    description="The post is analysed like an answer (language, sentiment, themes, flags); a "
    "flagged post enters the moderation queue. Idempotent on `external_id`.",
    response_model=PostOut,
    status_code=201,
    responses={**ingest_responses(PostOut), **NOT_FOUND},
)
async def create_post(
    thread_id: str,
    body: PostIn,
    response: Response,
    state: State,
    principal: Ingester,
) -> PostOut:
    thread = await state.read(lambda s: ThreadRepository(s, principal.tenant_id).get(thread_id))
    topics = await state.topic_model(principal.tenant_id)
    item = build_item(
        principal, "post", body, topics, state.settings.max_text_chars, thread_seq=thread.seq
    )
    entry, created = await ingest_one(state, item)
    response.status_code = 201 if created else 200
    return post_out(entry, thread.id)


@router.get(
    "/{thread_id}",
    summary="Read a thread with its visible posts",
    response_model=ThreadOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_thread(thread_id: str, state: State, principal: Reader) -> ThreadOut:
    def load(session: Session) -> tuple[Thread, list[Entry]]:
        repo = ThreadRepository(session, principal.tenant_id)
        thread = repo.get(thread_id)
        return thread, repo.posts(thread)

    thread, posts = await state.read(load)
    return thread_out(thread, posts)
