"""The shell of the server-rendered pages (/faq, /demo, the exported FAQ): one HTML document
with its own small stylesheet, readable without JavaScript. Callers pass escaped markup."""

from __future__ import annotations

import html
import json
from typing import Any

PAGE_CSS = """
:root { color-scheme: light; --accent: #0b5394; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
  margin: 0 auto; max-width: 46rem; padding: 1.5rem 1rem 5rem; }
h1 { font-size: 1.7rem; line-height: 1.25; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
h4 { font-size: 1.02rem; margin: 1.3rem 0 .4rem; }
a { color: var(--accent); }
blockquote { margin: .6rem 0 .2rem; padding: .4rem .9rem; border-left: 4px solid var(--accent);
  background: #f3f6f9; }
.resbot-answer p { margin: .4rem 0; white-space: pre-line; }
.resbot-answer ul { margin: .3rem 0; padding-left: 1.3rem; }
.resbot-source { font-size: .92rem; }
.resbot-note { color: #4a4a4a; }
.resbot-heading { font-weight: 600; }
.faq-item { margin-bottom: 1.4rem; }
.faq-doc { color: #4a4a4a; }
code, pre { font: .9rem/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f3f6f9; padding: .8rem; overflow-x: auto; white-space: pre-wrap;
  word-break: break-all; }
"""


# The pages' icon (GET /favicon.ico). On a site that hosts an exported FAQ it names that
# site's own icon, which browsers would ask for anyway.
ICON_LINK = '<link rel="icon" href="/favicon.ico" sizes="32x32">\n'


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def json_ld_script(data: Any) -> str:
    """A JSON-LD block that cannot end its <script> early, whatever the strings hold."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def html_page(title: str, body: str, *, head: str = "", lang: str = "en") -> str:
    """A complete HTML document; `title` is raw text, `body` and `head` are markup."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{ICON_LINK}<style>{PAGE_CSS}</style>\n{head}</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
