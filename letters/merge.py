"""The mail-merge language of letters: a few named fields and conditions, nothing else.

Letter text is never given to Django's template engine. This module reads only
``{{ field }}`` and ``{% if [not] condition %} … {% else %} … {% endif %}``,
where every field and condition is one of the fixed names below; anything else
is rejected when the letter is saved and renders as nothing if it is ever met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# name -> what it holds (shown in the editor's help panel)
FIELDS: dict[str, str] = {
    "state": "The state's name in the letter's language",
    "head_name": "The name of the head of mission",
    "head_title": "The title of the head of mission",
    "salutation": "\u201cYour Excellency\u201d in the letter's language",
}

CONDITIONS: dict[str, str] = {
    "voted_yes_last_year": "The state voted yes on this resolution last session",
    "voted_no_last_year": "The state voted no on this resolution last session",
    "abstained_last_year": "The state abstained on this resolution last session",
    "absent_last_year": "The state did not vote (absent) last session",
    "cosponsor": "The state cosponsors this session's draft",
}

_TAG = re.compile(r"\{\{(?P<field>.*?)\}\}|\{%(?P<block>.*?)%\}", re.DOTALL)
_NAME = re.compile(r"^[a-z_]+$")


class MergeError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class _Node:
    kind: str  # "text", "field", "if"
    value: str = ""
    negate: bool = False
    then: list[_Node] = field(default_factory=list)
    otherwise: list[_Node] = field(default_factory=list)


def _parse(text: str) -> tuple[list[_Node], list[str]]:
    """The template as a tree, and every problem found (with the text shown)."""
    errors: list[str] = []
    root: list[_Node] = []
    stack: list[tuple[_Node, list[_Node]]] = []
    current = root
    position = 0
    for match in _TAG.finditer(text):
        if match.start() > position:
            current.append(_Node("text", text[position : match.start()]))
        position = match.end()
        shown = match.group(0)
        if match.group("field") is not None:
            name = match.group("field").strip()
            if name not in FIELDS:
                errors.append(
                    f"Unknown placeholder {shown}: use one of "
                    + ", ".join(f"{{{{ {n} }}}}" for n in FIELDS)
                    + "."
                )
                continue
            current.append(_Node("field", name))
            continue
        words = match.group("block").split()
        if len(words) in (2, 3) and words[0] == "if":
            negate = len(words) == 3
            if negate and words[1] != "not":
                errors.append(f"Cannot read {shown}: write {{% if not condition %}}.")
                continue
            name = words[-1]
            if name not in CONDITIONS:
                errors.append(
                    f"Unknown condition in {shown}: use one of "
                    + ", ".join(CONDITIONS)
                    + "."
                )
            node = _Node("if", name, negate=negate)
            current.append(node)
            stack.append((node, current))
            current = node.then
        elif words == ["else"]:
            if not stack or current is not stack[-1][0].then:
                errors.append("{% else %} without a matching {% if … %}.")
                continue
            current = stack[-1][0].otherwise
        elif words == ["endif"]:
            if not stack:
                errors.append("{% endif %} without a matching {% if … %}.")
                continue
            _, current = stack.pop()
        else:
            errors.append(
                f"Cannot read {shown}: only {{% if condition %}}, "
                "{% if not condition %}, {% else %} and {% endif %} are allowed."
            )
    if position < len(text):
        current.append(_Node("text", text[position:]))
    if stack:
        errors.append(f"{len(stack)} {{% if … %}} without {{% endif %}}.")
    for opener in ("{{", "{%"):
        leftover = _TAG.sub("", text)
        if opener in leftover:
            closer = "}}" if opener == "{{" else "%}"
            errors.append(f"A “{opener}” is never closed with “{closer}”.")
    return root, errors


def validate(text: str) -> list[str]:
    """Every problem in a letter's text, as messages for its author."""
    return _parse(text)[1]


def check(text: str) -> None:
    errors = validate(text)
    if errors:
        raise MergeError(errors)


def used_names(text: str) -> set[str]:
    """The fields and conditions a text uses."""
    names = set()

    def walk(nodes):
        for node in nodes:
            if node.kind in ("field", "if"):
                names.add(node.value)
            walk(node.then)
            walk(node.otherwise)

    walk(_parse(text)[0])
    return names


def render(
    text: str,
    *,
    fields: Mapping[str, str],
    conditions: Mapping[str, bool],
    escape: Callable[[str], str] = str,
) -> str:
    """The text with fields filled (through ``escape``) and conditions decided.

    Only the names in FIELDS and CONDITIONS are looked up; anything else, and
    any value that is not a string or a bool, renders as nothing.
    """
    nodes, _ = _parse(text)
    out: list[str] = []

    def emit(nodes):
        for node in nodes:
            if node.kind == "text":
                out.append(node.value)
            elif node.kind == "field":
                value = fields.get(node.value, "") if node.value in FIELDS else ""
                out.append(escape(value) if isinstance(value, str) else "")
            else:
                value = (
                    conditions.get(node.value) is True
                    if node.value in CONDITIONS
                    else False
                )
                emit(node.then if value != node.negate else node.otherwise)

    emit(nodes)
    return "".join(out)


_OWN_LINE_TAG = re.compile(r"(<p>|\n)[ \t]*(\{%[^%\n]*%\})[ \t]*(</p>|\n)")


def _split_paragraph(match: re.Match) -> str:
    before = "" if match.group(1) == "<p>" else "</p>"
    after = "" if match.group(3) == "</p>" else "<p>"
    return before + match.group(2) + after


def unwrap_block_tags(html: str) -> str:
    """A condition on a line of its own ends the paragraph it sits in, so that it
    wraps whole paragraphs rather than leaving half of one behind."""
    for _ in range(html.count("{%") + 1):
        html, changes = _OWN_LINE_TAG.subn(_split_paragraph, html)
        if not changes:
            break
    return html
