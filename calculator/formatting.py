"""How the engine writes numbers for people: money, counts, and units."""

from __future__ import annotations


def money(value: float) -> str:
    """Dollars: whole when whole ("$12,000"), else to the cent ("$0.03")."""
    if value < 0:
        return "-" + money(-value)
    if float(value).is_integer():
        return f"${int(value):,}"
    if value < 1:
        # Per-request prices differ in fractions of a cent: keep those digits.
        digits = f"{value:.10f}".rstrip("0")
        return "$" + digits + "0" * (2 - len(digits.partition(".")[2]))
    return f"${value:,.2f}"


def count(value: float) -> str:
    """A whole or decimal number with thousands separators."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def quantity(value: float, unit: str | None) -> str:
    """A number with its unit, money units written with a dollar sign."""
    if unit and unit.startswith("$"):
        rest = unit[1:].strip()
        return f"{money(value)} {rest}".rstrip()
    if unit:
        return f"{count(value)} {unit}"
    return count(value)


def compact(value: float) -> str:
    """Short axis labels: 1.2 k, 3 M, 10 B."""
    for size, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:.1f}".removesuffix(".0") + suffix
    return count(round(value, 2))


def amount_for(value: float, unit: str | None, label: str) -> str:
    """A value with its unit, unless the label it stands beside already says it
    ("Labeled examples: 10,000", but "Latency budget: 100 ms")."""
    if unit and unit.lower() in label.lower():
        unit = None
    return quantity(value, unit)


def figure_range(low: float, high: float | None, *, dollars: bool) -> str:
    """An article-style range: "$0.01-0.10", "200-500"; a floor alone is "$50,000+"."""
    write = money if dollars else count
    if high is None:
        return write(low) + "+"
    return f"{write(low)}-{write(high).removeprefix('$')}"


def band(low: float, high: float | None) -> str:
    """A band of totals: "$6,000 – $60,000", or "from $98,600" with no ceiling."""
    if high is None:
        return f"from {money(low)}"
    return f"{money(low)} – {money(high)}"


EXCERPT_LENGTH = 40


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """At most ``length`` characters of a value, for a message: the rest is
    cut and marked, so a 50 MB value never travels into an error."""
    return text if len(text) <= length else text[:length] + "…"
