"""Words for people: stored keys as labels and the indefinite article. Pure (no Django)."""

from __future__ import annotations

EMPTY = "—"


def label_text(key) -> str:
    """Return a stored key as words: `in_review` → "In review"."""
    if key is None or key == "":
        return EMPTY
    text = str(key).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def article_for(phrase: str) -> str:
    """Return "an" before a vowel letter and "a" otherwise."""
    return "an" if str(phrase)[:1].lower() in "aeiou" else "a"


def with_article(phrase: str, *, capital: bool = False) -> str:
    """Return `phrase` after its indefinite article: "an Account cluster"."""
    article = article_for(phrase)
    return f"{article.capitalize() if capital else article} {phrase}"
