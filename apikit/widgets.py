"""Showing an ipywidgets panel so that it reads on GitHub too: `show(panel)`.

A widget's output holds a reference to the live widget, which only a running kernel can draw; GitHub, and
any viewer without the kernel, shows its text instead (`VBox(children=(Dropdown(...`). `show` adds a static
HTML picture of the panel as it was when shown (its fields, choices, values and buttons, disabled) to the
same output: JupyterLab draws the live widget, GitHub the picture.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
from IPython.display import display


def show(panel: widgets.Widget, caption: str = "The panel as it was shown; run the notebook to use it.") -> None:
    bundle = panel._repr_mimebundle_() or {}
    bundle = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
    bundle["text/html"] = (f'<div class="kit-widget-snapshot">{snapshot(panel)}'
                           f"<p><em>{html.escape(caption)}</em></p></div>")
    bundle["text/plain"] = f"[{type(panel).__name__} panel: {caption}]"
    display(bundle, raw=True)


def snapshot(widget: widgets.Widget) -> str:
    """Static HTML for `widget` and its children: what a reader without the kernel should see."""
    label = (f"<label>{html.escape(widget.description)}</label> "
             if getattr(widget, "description", "") and not isinstance(widget, widgets.Button) else "")
    if isinstance(widget, widgets.Box):
        direction = "row" if isinstance(widget, widgets.HBox) else "column"
        inner = "".join(f"<div>{snapshot(child)}</div>" for child in widget.children)
        return f'<div style="display:flex;flex-direction:{direction};gap:6px">{inner}</div>'
    if isinstance(widget, (widgets.Dropdown, widgets.Select, widgets.RadioButtons)):
        options = "".join(f"<option{' selected' if value == widget.value else ''}>{html.escape(str(text))}</option>"
                          for text, value in widget._options_full)
        return f"{label}<select disabled>{options}</select>"
    if isinstance(widget, widgets.Textarea):
        return f'{label}<textarea disabled rows="3" cols="60">{html.escape(widget.value)}</textarea>'
    if isinstance(widget, (widgets.Text, widgets.IntText, widgets.FloatText)):
        return f'{label}<input disabled value="{html.escape(str(widget.value), quote=True)}">'
    if isinstance(widget, widgets.Checkbox):
        return f"<label><input type=\"checkbox\" disabled{' checked' if widget.value else ''}> {label}</label>"
    if isinstance(widget, widgets.Button):
        return f"<button disabled>{html.escape(widget.description or widget.icon or 'button')}</button>"
    if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
        return widget.value
    if isinstance(widget, widgets.Label):
        return html.escape(widget.value)
    if isinstance(widget, widgets.Output):
        texts = [o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in widget.outputs]
        return f"<pre>{html.escape(''.join(texts))}</pre>" if any(texts) else ""
    return f"{label}<code>{html.escape(type(widget).__name__)}</code>"
