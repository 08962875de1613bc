"""The page door and every rendering of one answer: HTML, Markdown, print."""

from __future__ import annotations

import json
import re

import pytest

from calculator.page import answer


def ask(query: str, page_url: str = "https://example.org/sub/calculator/") -> dict:
    return json.loads(answer(json.dumps({"query": query, "page_url": page_url})))


def test_answer_takes_one_argument_and_keeps_its_keys():
    response = ask("")
    for key in ("status", "recommendation", "title", "query", "inputs", "form", "path", "notices", "html", "markdown", "result"):
        assert key in response, key
    assert response["ignored"] == []


def test_the_markdown_copy_says_where_each_figure_comes_from():
    markdown = ask("")["markdown"]
    assert "API cost per request $0.03 per request (our default within the article's range ($0.01-0.10))" in markdown
    assert "Cost of one training run $2,000 per run (our default within the article's range ($500-5,000))" in markdown
    assert "Custom model build cost $50,000 (the article's figure)" in markdown
    assert "Self-host serving, monthly $3,000 a month (our assumption)" in markdown
    assert "(the article's)" not in markdown
    # A band that mixes the article's range with our figures says so.
    assert "$17,000 – $35,000 (with our assumptions for the rest)" in markdown
    assert "$6,000 – $60,000 (the article's range alone)" in markdown


def test_a_changed_figure_is_the_readers_own():
    markdown = ask("api_cost_per_request=0.05")["markdown"]
    assert "API cost per request $0.05 per request (your figure)" in markdown


def test_retraining_is_not_shown_as_one_off():
    markdown = ask("")["markdown"]
    # 12 months, retrain every 3: 4 runs, the first up front and 3 over the horizon.
    assert "| Fine-tune | $2,000 | 3 × $2,000 = $6,000 | $1,250 | $23,000 |" in markdown
    assert "One-off" not in markdown


def test_ruled_out_options_are_marked_everywhere():
    response = ask("privacy_required=true&monthly_requests=1000")
    api = response["result"]["costs"]["options"]["api"]
    assert api["ruled_out"] is True and response["result"]["costs"]["cheapest"] != "api"
    assert "API call (ruled out): Data privacy is non-negotiable" in response["markdown"]
    assert re.search(r'<tr class="is-ruled-out" data-option="api">', response["html"])


def test_the_credit_travels_into_every_export():
    response = ask("")
    assert "“The Build-vs-Buy Framework for AI Features” by the Xceed AI team" in response["markdown"]
    assert "[About the source](https://example.org/sub/about/)" in response["markdown"]
    assert 'class="bvb-note bvb-credit"' in response["html"] and 'href="../about/"' in response["html"]


def test_ignored_parameters_show_as_a_quiet_note():
    response = ask("generic_task=true&utm_source=mail&h=tune")
    assert response["status"] == "ready" and response["ignored"] == ["utm_source", "h"]
    assert '<p class="bvb-note bvb-ignored">' in response["html"] and "<code>utm_source</code>" in response["html"]
    assert "utm_source" not in response["query"]


def test_scrollable_tables_can_take_focus():
    html = ask("")["html"]
    wrappers = re.findall(r'<div class="bvb-table-wrap[^"]*"[^>]*>', html)
    assert len(wrappers) == 2
    for wrapper in wrappers:
        assert 'tabindex="0"' in wrapper and 'role="region"' in wrapper and "aria-label=" in wrapper


@pytest.mark.parametrize("query", ["v=1.0.0", "v=1.0.0&generic_task=true"])
def test_a_1_0_0_link_opens_with_a_notice(query):
    response = ask(query)
    assert response["status"] == "ready"
    assert "What changed:" in response["notices"][0]


def test_a_5000_digit_number_in_the_page_query_names_its_field():
    response = ask("labeled_examples=" + "9" * 5000)
    assert response["status"] == "error"
    assert response["errors"] == [{"field": "labeled_examples", "message": "is a number of 5,000 digits; must be at most 1,000,000,000,000"}]


def test_the_form_choice_matches_the_engines_form_texts():
    """The radio the page checks is the one whose values equal the form texts."""
    from calculator import default_rules

    (choice,) = default_rules().form_choices.values()
    for query, expected in (("generic_task=true", "generic"), ("needs_specific_behavior=true", "specific"), ("", "neither"),
                            ("generic_task=true&needs_specific_behavior=true", None)):
        form = ask(query)["form"]
        matching = [o.id for o in choice.options if all(form[n] == ("true" if v else "false") for n, v in o.values.items())]
        assert matching == ([expected] if expected else [])


def test_what_to_fix_is_named_by_label_and_bounded():
    from calculator import default_rules
    from calculator.report import fix_names

    rules = default_rules()
    fields = list(rules.fields.values())
    errors = [{"field": f.id, "message": "is wrong"} for f in fields[:8]] + [{"field": "request", "message": "x"}]
    names = fix_names(rules, errors)
    assert names[:5] == [f.label for f in fields[:5]]
    assert names[5:] == ["4 more"]  # three fields and the request
    assert fix_names(rules, [{"field": fields[0].id, "message": "a"}, {"field": fields[0].id, "message": "b"}]) == [fields[0].label]
