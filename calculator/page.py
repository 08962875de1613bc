"""The calculator page's one door into the engine, for the browser worker and
for the build that prerenders the page.

JavaScript sends a JSON string and gets a JSON string back; it parses no
input and holds no rule. Everything it shows (the result panel's HTML, the
Markdown for "Copy as Markdown", the canonical query for the address bar,
the per-field messages) is made here, by the same code at build time and in
the page.
"""

from __future__ import annotations

import json
from typing import Any

from .engine import answer as engine_answer
from .engine import dumps, version_notices
from .inputs import form_texts, parse_query
from .models import Rules
from .report import fix_names, render_errors, render_markdown, render_result, render_summary
from .rules import default_rules


def _request(text: str) -> tuple[str, str, list[dict[str, str]]]:
    """(query, page_url, errors) from the request JSON."""
    try:
        request = json.loads(text)
    except (ValueError, RecursionError):
        return "", "", [{"field": "request", "message": "is not valid JSON"}]
    if not isinstance(request, dict):
        return "", "", [{"field": "request", "message": "must be a JSON object"}]
    query, page_url = request.get("query", ""), request.get("page_url", "")
    if not isinstance(query, str) or not isinstance(page_url, str):
        return "", "", [{"field": "request", "message": "'query' and 'page_url' must be text"}]
    return query, page_url, []


def answer(request_json: str, rules: Rules | None = None) -> str:
    """``{"query": "...", "page_url": "..."}`` in; the page's answer out.

    The answer has ``status`` ("ready" or "error"), and then either the
    ``result`` with its ``recommendation`` id, ``query`` (canonical, for the
    address bar), ``html`` and ``markdown``, or ``errors`` (one per field)
    with ``html`` that lists them. ``form`` holds the text each form control
    should show (the page parses nothing itself). ``notices`` appear when a
    link was made with another version of the rules; ``ignored`` lists the
    query's parameters that are not inputs.
    """
    rules = rules or default_rules()
    query, page_url, errors = _request(request_json)
    if errors:
        return dumps(
            {
                "status": "error",
                "errors": errors,
                "html": render_errors(rules, errors),
                "summary_html": render_summary(rules, None, errors),
                "fix": fix_names(rules, errors),
            }
        )
    parsed = parse_query(rules, query)
    # The embed flag belongs to the page and stays in its address.
    kept = "&embed=1" if parsed.page.get("embed") == "1" else ""
    notices = version_notices(rules, parsed.page)
    if parsed.errors:
        return dumps(
            {
                "status": "error",
                "errors": parsed.errors,
                "notices": notices,
                "ignored": parsed.ignored,
                "form": form_texts(rules, query),
                "html": render_errors(rules, parsed.errors),
                "summary_html": render_summary(rules, None, parsed.errors),
                "fix": fix_names(rules, parsed.errors),
            }
        )
    ans = engine_answer(rules, parsed.inputs)
    result = ans.to_json()
    link = f"{page_url}?{ans.query}" if page_url else f"?{ans.query}"
    response: dict[str, Any] = {
        "status": "ready",
        "recommendation": ans.leaf.id,
        "title": ans.leaf.title,
        "query": ans.query + kept,
        "inputs": dict(ans.inputs),
        "form": form_texts(rules, ans.query),
        "path": result["path"],
        "notices": notices,
        "ignored": parsed.ignored,
        "html": render_result(rules, ans, parsed.ignored, notices),
        "summary_html": render_summary(rules, ans),
        "markdown": render_markdown(rules, ans, link, page_url),
        "result": result,
    }
    return dumps(response)
