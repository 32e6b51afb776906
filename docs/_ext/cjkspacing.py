"""Join Japanese lines without the space a line break would otherwise become.

In reStructuredText a line break inside a paragraph is whitespace, so
Japanese text wrapped in the source would show stray spaces between
characters. For pages under ``ja/`` this transform removes line breaks
between two CJK characters (kana, kanji, full-width punctuation) and after
full-width punctuation, outside literal text; any other break next to Latin
text stays a space.
"""
import re

from docutils import nodes

_CJK = r'\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef'
# Between two CJK characters, or after full-width punctuation, a break is no space.
_BREAK = re.compile(r'(?<=[{0}])\n(?=[{0}])|(?<=[、。，．：；！？）」』])\n'.format(_CJK))
_SKIP = (nodes.literal_block, nodes.literal, nodes.raw, nodes.comment)


def _join_lines(app, doctree):
    if not app.env.docname.startswith('ja/'):
        return
    for node in list(doctree.findall(nodes.Text)):
        parent = node.parent
        if parent is None or isinstance(parent, _SKIP):
            continue
        text = str(node)
        joined = _BREAK.sub('', text)
        if joined != text:
            parent.replace(node, nodes.Text(joined))


def setup(app):
    app.connect('doctree-read', _join_lines)
    return {'version': '1.0', 'parallel_read_safe': True, 'parallel_write_safe': True}
