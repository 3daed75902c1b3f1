"""The public checkpoint feed and consistency proofs between published checkpoints."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit import keys
from audit.services.checkpoints import checkpoint_note_with_cosignatures
from config.errors import NotFound, ValidationFailed
from config.pages import http_error
from transparency.selectors.checkpoints import checkpoint_feed, consistency, published_checkpoint


@require_GET
def feed_json(request):
    return JsonResponse(checkpoint_feed(), json_dumps_params={"indent": 1})


@require_GET
def public_key(request):
    """Serve the forum's verifier key; a reader pins it and compares it with other sources."""
    return HttpResponse(keys.verifier_key_text() + "\n", content_type="text/plain")


@require_GET
def feed_text(request):
    feed = checkpoint_feed()
    lines = [f"# {feed['origin']}: size, root (hex), signed note", f"# key {feed['key']}"]
    for c in feed["checkpoints"]:
        note = request.build_absolute_uri(reverse("transparency:checkpoint_note", args=[c["size"]]))
        lines.append(f"{c['size']} {c['root']} {note}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def checkpoint_note(request, size: int):
    try:
        checkpoint = published_checkpoint(size)
    except NotFound as exc:
        raise http_error(exc) from exc
    return HttpResponse(
        checkpoint_note_with_cosignatures(checkpoint), content_type="text/plain; charset=utf-8"
    )


@require_GET
def consistency_proof(request, old: int, new: int):
    try:
        proof = consistency(old_size=old, new_size=new)
    except ValidationFailed as exc:
        return JsonResponse({"detail": exc.message, "errors": exc.errors}, status=400)
    except NotFound as exc:
        return JsonResponse({"detail": exc.message}, status=404)
    return JsonResponse(proof, json_dumps_params={"indent": 1})
