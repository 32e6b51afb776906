"""``.. benchmark-results::``: the benchmark table and chart, when they exist.

The benchmark suite writes ``docs/benchmarks/latest.json`` and
``docs/benchmarks/chart.svg``. This directive turns the JSON into a table and
shows the chart; before the first benchmark run it says how to produce them,
so the documentation builds (without warnings) either way.
"""
import json
import os

from docutils import nodes
from docutils.parsers.rst import Directive, directives

RESULTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           'benchmarks')


def _cell(value):
    if isinstance(value, float):
        return '{:,.3g}'.format(value) if abs(value) < 1000 else '{:,.0f}'.format(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return '' if value is None else str(value)


def _check_rows(scenarios):
    """One row per target check, for result files without display rows."""
    rows = []
    for key in sorted(scenarios):
        scenario = scenarios[key]
        if not isinstance(scenario, dict):
            continue
        name = '{}. {}'.format(key, scenario['title']) if 'title' in scenario else str(key)
        for check in scenario.get('checks', []):
            unit = check.get('unit', '')
            rows.append({
                'scenario': name,
                'check': check.get('name', ''),
                'measured': '{} {}'.format(_cell(check.get('value')), unit).strip(),
                'target': '{} {} {}'.format(check.get('op', ''), _cell(check.get('target')),
                                            unit).strip(),
                'result': {True: 'PASS', False: 'MISS'}.get(check.get('ok'), 'n/a'),
            })
    return rows


def _rows(data):
    """Return (columns, rows) from the result file, whatever its top-level shape."""
    rows = None
    if isinstance(data, list):
        rows = data
    elif isinstance(data, dict):
        if isinstance(data.get('rows'), list):
            rows = data['rows']
        elif isinstance(data.get('scenarios'), dict):
            rows = _check_rows(data['scenarios'])
        else:
            for key in ('table', 'results'):
                if key in data:
                    rows = data[key]
                    break
    if isinstance(rows, dict):
        rows = [dict({'scenario': name}, **(value if isinstance(value, dict) else {'value': value}))
                for name, value in rows.items()]
    if not rows:
        return [], []
    rows = [row if isinstance(row, dict) else {'value': row} for row in rows]
    columns = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns, [[_cell(row.get(col)) for col in columns] for row in rows]


def _table(columns, rows):
    table = nodes.table(classes=['benchmark-results'])
    group = nodes.tgroup(cols=len(columns))
    table += group
    for i, column in enumerate(columns):
        width = max([len(str(column))] + [len(str(row[i])) for row in rows])
        group += nodes.colspec(colwidth=min(max(width, 4), 40))
    head = nodes.thead()
    group += head
    body = nodes.tbody()
    group += body
    for target, values in ((head, [columns]), (body, rows)):
        for values_row in values:
            row = nodes.row()
            for value in values_row:
                entry = nodes.entry()
                entry += nodes.paragraph(text=str(value))
                row += entry
            target += row
    return table


class BenchmarkResults(Directive):
    """Render docs/benchmarks/latest.json and chart.svg, or a note if absent."""

    has_content = False
    option_spec = {'lang': lambda arg: directives.choice(arg, ('en', 'ja'))}

    def run(self):
        env = self.state.document.settings.env
        json_path = os.path.join(RESULTS_DIR, 'latest.json')
        svg_path = os.path.join(RESULTS_DIR, 'chart.svg')
        out = []
        if os.path.exists(json_path):
            env.note_dependency(json_path)
            try:
                with open(json_path, encoding='utf-8') as f:
                    data = json.load(f)
            except ValueError:
                # A run interrupted while writing; the chart may still be shown.
                data = None
            if isinstance(data, dict):
                meta = [(k, data[k]) for k in ('command', 'date', 'machine', 'python')
                        if k in data and isinstance(data[k], (str, int, float))]
                if meta:
                    fields = nodes.bullet_list()
                    for key, value in meta:
                        item = nodes.list_item()
                        para = nodes.paragraph()
                        para += nodes.strong(text=key)
                        para += nodes.Text(': ')
                        para += nodes.literal(text=str(value).strip())
                        item += para
                        fields += item
                    out.append(fields)
            columns, rows = _rows(data)
            if columns:
                out.append(_table(columns, rows))
        if os.path.exists(svg_path):
            env.note_dependency(svg_path)
            # A leading slash makes Sphinx resolve the path from docs/.
            out.append(nodes.image(uri='/benchmarks/chart.svg', alt='benchmark chart'))
        if not out:
            if self.options.get('lang') == 'ja':
                words = ('このビルドにはまだベンチマークの結果がありません。', '（または ',
                         '）を実行してから、ドキュメントをビルドし直してください。')
            else:
                words = ('No benchmark results in this build yet. Run ', ' (or ',
                         '), then rebuild the documentation.')
            para = nodes.paragraph()
            para += nodes.Text(words[0])
            para += nodes.literal(text='tox -e bench')
            para += nodes.Text(words[1])
            para += nodes.literal(text='python -m benchmarks')
            para += nodes.Text(words[2])
            out.append(nodes.note('', para))
        return out


def setup(app):
    app.add_directive('benchmark-results', BenchmarkResults)
    return {'version': '1.0', 'parallel_read_safe': True, 'parallel_write_safe': True}
