"""Markdown notes to safe HTML: markdown-it-py renders, nh3 (ammonia) keeps only harmless tags and attributes.

Raw HTML in the text is allowed through the renderer and then cleaned, so a pasted ``<br>`` works while
scripts, event handler attributes (``on*``), styles and ``javascript:`` links are removed.
"""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_renderer = MarkdownIt("commonmark", {"html": True, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)


def sanitize_html(html: str) -> str:
    """Only the allowed tags and attributes; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str | None) -> str:
    """Safe HTML for ``text`` (Markdown); empty text gives an empty string."""
    if not text:
        return ""
    return sanitize_html(_renderer.render(text))
