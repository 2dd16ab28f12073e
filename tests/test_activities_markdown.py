"""Markdown notes become safe HTML: scripts, event handler attributes and javascript: links are removed."""

from html.parser import HTMLParser

from django.template import Context, Template

from kamdesk.core.markdown import render_markdown, sanitize_html


class Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def tags(html: str) -> set[str]:
    return {tag for tag, _attrs in Elements(html).elements}


def attributes(html: str) -> set[str]:
    return {name for _tag, attrs in Elements(html).elements for name in attrs}


def hrefs(html: str) -> list[str]:
    return [attrs.get("href") or "" for tag, attrs in Elements(html).elements if tag == "a"]


def test_markdown_renders_the_usual_formatting():
    html = render_markdown("# Review\n\n**Agreed**: _listing_ of\n\n- A\n- B\n\n[Offer](https://example.com/offer)")
    assert {"h1", "strong", "em", "ul", "li", "a"} <= tags(html)
    assert hrefs(html) == ["https://example.com/offer"]
    assert 'rel="noopener noreferrer nofollow"' in html


def test_script_tags_and_their_content_are_removed():
    html = render_markdown("Hello\n\n<script>alert('x')</script>\n\nafter <script src=//evil.example/x.js></script>")
    assert "script" not in tags(html)
    assert "alert(" not in html
    assert "after" in html


def test_javascript_links_are_removed():
    for text in (
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
    ):
        html = render_markdown(text)
        assert not any(href.lower().startswith(("javascript", "data")) for href in hrefs(html)), html


def test_event_handler_and_style_attributes_are_removed():
    html = render_markdown(
        '<p onclick="steal()" style="color:red">hi</p> <img src=x onerror=alert(1)> '
        '<a href="https://example.com" onmouseover="x()">link</a>'
    )
    assert not any(name.startswith("on") for name in attributes(html))
    assert "style" not in attributes(html)
    assert "img" not in tags(html)
    assert hrefs(html) == ["https://example.com"]


def test_sanitizer_alone_and_the_template_filter():
    assert sanitize_html('<b onclick="x()">bold</b><iframe src="https://x"></iframe>') == "<b>bold</b>"
    assert render_markdown("") == "" and render_markdown(None) == ""
    rendered = Template("{% load markdown %}{{ text|markdown }}").render(
        Context({"text": "**ok** <script>x()</script>"})
    )
    assert "<strong>ok</strong>" in rendered and "<script" not in rendered
