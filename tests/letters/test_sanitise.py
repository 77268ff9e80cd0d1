"""Letter HTML is sanitised on save: a corpus of XSS payloads leaves nothing active."""

from html.parser import HTMLParser

import pytest

from letters import markup, services

pytestmark = pytest.mark.django_db

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<body onload="alert(1)">',
    '<p onclick="alert(1)" onmouseover=alert(1)>click</p>',
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="  javascript:alert(1)">link</a>',
    '<a href="jav&#x09;ascript:alert(1)">link</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;'
    'alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">x</details>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<!--<script>alert(1)</script>-->",
    '<a href="https://ok.example" onclick="alert(1)" target="_top">ok</a>',
    '<img src="x` `<script>alert(1)</script>"` `>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _elements(html: str):
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def assert_inert(html: str) -> None:
    for tag, attrs in _elements(html):
        assert tag in markup.ALLOWED_TAGS, f"{tag} survived in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"handler {name} in {html!r}"
            assert name in {"href", "title", "rel"}, f"attribute {name} in {html!r}"
            if name == "href":
                scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
                assert scheme in {"", "http", "https", "mailto"}, html
    lowered = html.lower()
    assert "<script" not in lowered


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_payload_leaves_no_script_handler_or_dangerous_url(payload):
    html = markup.render_markdown(f"Dear friends,\n\n{payload}\n\nYours.")
    assert_inert(html)
    assert "javascript:" not in html.lower()
    assert "Dear friends" in html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_sanitiser_alone_neutralises_raw_html(payload):
    assert_inert(markup.sanitise(payload))


def test_saved_versions_keep_only_sanitised_html(letter, coalition):
    version, created = services.save_version(
        letter=letter,
        language="en",
        subject="Subject",
        body_source='Hello <img src=x onerror="alert(1)"> [x](javascript:alert(1))',
        by=coalition.drafter,
    )
    assert created
    assert "onerror" not in version.body_html
    assert "javascript:" not in version.body_html
    assert "<img" not in version.body_html


def test_ordinary_formatting_and_safe_links_survive():
    html = markup.render_markdown(
        "**Bold** and *italic*\n\n- one\n- two\n\n[site](https://example.org) "
        "[mail](mailto:a@example.org)"
    )
    assert "<strong>Bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.org"' in html
    assert 'href="mailto:a@example.org"' in html
