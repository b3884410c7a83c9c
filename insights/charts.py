"""Server-rendered bar charts (SVG drawn from published figures only).

No scripts and no inline styles (strict CSP): geometry is computed here and written as
SVG attributes; colours come from classes in insights.css. Every chart is paired with a
data table in the template, and a hidden figure is drawn as an empty, labelled slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from insights.suppression import Figure

WIDTH = 640
HEIGHT = 240
TOP = 28
BOTTOM = 40
LEFT = 12
RIGHT = 12


@dataclass(frozen=True)
class Bar:
    series: int
    value_text: str
    hidden: bool
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 6, 1)


@dataclass(frozen=True)
class Group:
    label: str
    centre: float
    bars: list[Bar]


@dataclass(frozen=True)
class Series:
    name: str
    index: int


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    groups: list[Group]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> float:
        return self.height - BOTTOM

    @property
    def label_y(self) -> float:
        return self.height - BOTTOM + 22

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def bar_chart(title: str, description: str, labels: list[str], series: list[tuple[str, list[Figure]]]) -> BarChart:
    """Grouped bars: one group per label, one bar per series. A hidden figure gets a low
    dashed slot labelled '..' instead of a bar."""
    shown = [f.value for _name, figures in series for f in figures if f.value is not None]
    top = max(shown, default=0) or 1
    plot_height = HEIGHT - TOP - BOTTOM
    n = max(len(labels), 1)
    slot = (WIDTH - LEFT - RIGHT) / n
    group_width = slot * 0.7
    bar_width = group_width / max(len(series), 1)
    groups = []
    for i, label in enumerate(labels):
        left = LEFT + i * slot + (slot - group_width) / 2
        bars = []
        for k, (_name, figures) in enumerate(series):
            figure = figures[i]
            height = 6.0 if figure.value is None else max(plot_height * figure.value / top, 2.0)
            bars.append(
                Bar(
                    series=k,
                    value_text=str(figure),
                    hidden=figure.hidden,
                    x=round(left + k * bar_width + 1, 1),
                    y=round(HEIGHT - BOTTOM - height, 1),
                    width=round(bar_width - 2, 1),
                    height=round(height, 1),
                )
            )
        groups.append(Group(label=label, centre=round(LEFT + i * slot + slot / 2, 1), bars=bars))
    return BarChart(
        title=title,
        description=description,
        groups=groups,
        series=[Series(name, k) for k, (name, _f) in enumerate(series)],
    )
