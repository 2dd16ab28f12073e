"""``{% load markdown %}{{ text|markdown }}``: Markdown notes as sanitised HTML."""

from django import template
from django.utils.safestring import mark_safe

from kamdesk.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> str:
    # render_markdown sanitises with nh3, so the result is safe to insert as HTML.
    return mark_safe(render_markdown(text))
