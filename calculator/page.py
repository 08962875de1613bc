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

from .engine import dumps, evaluate_valid, version_notices
from .inputs import form_texts, parse_query
from .report import render_errors, render_markdown, render_result, render_summary
from .rules import default_rules


def _request(text: str) -> tuple[str, str, list[dict[str, str]]]:
    """(query, page_url, errors) from the request JSON."""
    try:
        request = json.loads(text)
    except ValueError as error:
        return "", "", [{"field": "request", "message": f"is not valid JSON: {error}"}]
    if not isinstance(request, dict):
        return "", "", [{"field": "request", "message": "must be a JSON object"}]
    query, page_url = request.get("query", ""), request.get("page_url", "")
    if not isinstance(query, str) or not isinstance(page_url, str):
        return "", "", [{"field": "request", "message": "'query' and 'page_url' must be text"}]
    return query, page_url, []


def answer(request_json: str) -> str:
    """``{"query": "...", "page_url": "..."}`` in; the page's answer out.

    The answer has ``status`` ("ready" or "error"), and then either the
    ``result`` with its ``recommendation`` id, ``query`` (canonical, for the
    address bar), ``html`` and ``markdown``, or ``errors`` (one per field)
    with ``html`` that lists them. ``form`` holds the text each form control
    should show (the page parses nothing itself). ``notices`` appear when a
    link was made with another version of the rules.
    """
    rules = default_rules()
    query, page_url, errors = _request(request_json)
    if errors:
        return dumps(
            {
                "status": "error",
                "errors": errors,
                "html": render_errors(rules, errors),
                "summary_html": render_summary(rules, None, errors),
            }
        )
    inputs, errors, page = parse_query(rules, query)
    # The embed flag belongs to the page and stays in its address.
    kept = "&embed=1" if page.get("embed") == "1" else ""
    notices = version_notices(rules, page)
    if errors:
        return dumps(
            {
                "status": "error",
                "errors": errors,
                "notices": notices,
                "form": form_texts(rules, query),
                "html": render_errors(rules, errors),
                "summary_html": render_summary(rules, None, errors),
            }
        )
    result = evaluate_valid(rules, inputs)
    link = f"{page_url}?{result['query']}" if page_url else f"?{result['query']}"
    response: dict[str, Any] = {
        "status": "ready",
        "recommendation": result["recommendation"]["id"],
        "title": result["recommendation"]["title"],
        "query": result["query"] + kept,
        "inputs": result["inputs"],
        "form": form_texts(rules, result["query"]),
        "path": result["path"],
        "notices": notices,
        "html": render_result(rules, result),
        "summary_html": render_summary(rules, result),
        "markdown": render_markdown(rules, result, link),
        "result": result,
    }
    return dumps(response)
