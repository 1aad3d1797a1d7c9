"""The table stage's fast paths read what the plain readings read (issue 17's speed work)."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.parsing.grid import data_tables, table_grid


def _texts(cell_html: str) -> list[str]:
    table = Selector(text=f"<table><tr><td>x</td>{cell_html}</tr></table>").xpath("//table")[0]
    return [cell.text for cell in table_grid(table)[0][1:]]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ('<td>\n  <p class="MsoNormal"><span lang="EN-US">12</span></p>\n</td>', "12"),
        ("<td><p>\u3000</p><span> 3 件</span>\xa0</td>", "3 件"),
        ("<td><p> </p></td>", ""),
        ("<td>规章<br>数量</td>", "规章 数量"),
        ("<td><span>行政</span><span>许可</span></td>", "行政 许可"),
        ("<td><span>5</span><!-- 注释 --></td>", "5"),
        ("<td><span>5</span><!-- 注释 -->6</td>", "5 6"),
        ("<td><p>7<script>var n = 8;</script></p></td>", "7"),
        ("<td><style>p {}</style><p>9</p></td>", "9"),
        ("<td><b>１２</b></td>", "12"),
    ],
)
def test_a_cells_text_with_markup_reads_as_all_its_text_nodes_joined_by_spaces(cell: str, text: str) -> None:
    assert _texts(cell) == [text]


def test_a_table_holding_a_table_is_layout_and_the_tables_after_it_are_still_read() -> None:
    html = (
        "<div><table id='layout'><tr><td><table id='inner'><tr><td>a</td><td>1</td></tr></table></td>"
        "<td>x</td></tr></table>"
        "<table id='next'><tr><td>b</td><td>2</td></tr></table>"
        "<table id='wrap'><tr><td><p>c</p></td></tr><tr><td><table id='deep'><tr><td><table id='deepest'>"
        "<tr><td>d</td><td>4</td></tr></table></td><td>y</td></tr></table></td></tr></table></div>"
    )
    assert [t.attrib["id"] for t in data_tables(Selector(text=html))] == ["inner", "next", "deepest"]


def test_a_row_with_a_cell_spanning_columns_reads_the_cell_once() -> None:
    html = "<table><tr><td colspan='2'>合计</td><td>3</td></tr><tr><td>a</td><td>b</td><td>c</td></tr></table>"
    grid = table_grid(Selector(text=html).xpath("//table")[0])
    assert [[c.text for c in row] for row in grid] == [["合计", "合计", "3"], ["a", "b", "c"]]
    assert grid.plain == [False, True]
