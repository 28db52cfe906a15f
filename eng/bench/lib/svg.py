"""Hand-written SVG bar charts (python3 stdlib only: no plotting library is installed on this machine kind)."""
from __future__ import annotations

from xml.sax.saxutils import escape

SERIES_COLORS = {"ours": "#2f7ed8", "SDK": "#f28f43", "plain": "#8bbc21"}
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _fmt(v: float, unit: str) -> str:
    if unit == "s":
        return f"{v:.2f} s"
    if unit == "MB":
        return f"{v:.1f} MB"
    return f"{v:g} {unit}"


def hbar_panel(title: str, groups: list, unit: str, y: float, width: float = 900) -> tuple[list[str], float]:
    """A panel of horizontal grouped bars. groups = [(label, [(series, value or None), ...])].
    Returns the SVG elements and the panel's height. A missing value is drawn as 'n/a', never as a zero bar."""
    label_w, right_pad, bar_h, gap = 280, 90, 14, 10
    values = [v for _, series in groups for _, v in series if v is not None]
    vmax = max(values) if values else 1.0
    scale = (width - label_w - right_pad) / vmax if vmax > 0 else 0
    out = [f'<text x="10" y="{y + 18}" {FONT} font-size="15" font-weight="bold">{escape(title)}</text>']
    cy = y + 32
    for label, series in groups:
        gh = len(series) * bar_h
        out.append(f'<text x="{label_w - 8}" y="{cy + gh / 2 + 4}" {FONT} font-size="12" text-anchor="end">'
                   f'{escape(label)}</text>')
        for name, v in series:
            color = SERIES_COLORS.get(name, "#999")
            if v is None:
                out.append(f'<text x="{label_w + 4}" y="{cy + bar_h - 3}" {FONT} font-size="10" fill="#888">'
                           f'{escape(name)}: n/a</text>')
            else:
                w = max(1.0, v * scale)
                out.append(f'<rect x="{label_w}" y="{cy}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}">'
                           f'<title>{escape(name)}: {escape(_fmt(v, unit))}</title></rect>')
                out.append(f'<text x="{label_w + w + 4:.1f}" y="{cy + bar_h - 3}" {FONT} font-size="10">'
                           f'{escape(_fmt(v, unit))}</text>')
            cy += bar_h
        cy += gap
    return out, cy - y


def document(panels: list, subtitle: str, series: list[str], width: float = 900) -> str:
    """Stacks panels [(title, groups, unit)] under a legend and returns the SVG text."""
    body, y = [], 50
    for title, groups, unit in panels:
        elements, h = hbar_panel(title, groups, unit, y, width)
        body += elements
        y += h + 10
    legend = []
    x = 10
    for name in series:
        legend.append(f'<rect x="{x}" y="26" width="12" height="12" fill="{SERIES_COLORS.get(name, "#999")}"/>')
        legend.append(f'<text x="{x + 16}" y="36" {FONT} font-size="12">{escape(name)}</text>')
        x += 30 + 8 * len(name)
    head = [f'<text x="10" y="16" {FONT} font-size="11" fill="#555">{escape(subtitle)}</text>']
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10:.0f}" '
            f'viewBox="0 0 {width} {y + 10:.0f}">\n<rect width="100%" height="100%" fill="white"/>\n'
            + "\n".join(head + legend + body) + "\n</svg>\n")
