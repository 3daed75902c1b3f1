"""Sortable column headers and query strings shared by the list pages."""

from __future__ import annotations

from django.http import QueryDict

# (sort key, column label) of the sortable columns of each list.
INDICATOR_COLUMNS = (("type", "Type"), ("tlp", "Markings"), ("published", "Published"))
SUBMISSION_COLUMNS = (("submitted", "Submitted"), ("type", "Type"), ("state", "State"))


def query_without(request, *names: str) -> str:
    """Return the request's query string without `names` (to append one of them again)."""
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def sort_columns(request, sort: str, columns) -> dict[str, dict]:
    """Return, per sortable column, the link that sorts by it and its current direction."""
    base = query_without(request, "sort", "page")
    prefix = f"{base}&" if base else ""
    found = {}
    for key, label in columns:
        if sort == key:
            state, target = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, target = "descending", key
        else:
            state, target = "none", f"-{key}"
        found[key] = {"label": label, "href": f"?{prefix}sort={target}", "aria_sort": state}
    return found
