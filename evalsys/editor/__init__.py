"""The local judgment editor behind ``evalsys edit TREE.yaml`` (layer between report and cli).

Submodules, lowest first:

:mod:`~evalsys.editor.blocks`
    The editable judgments of a tree (:class:`~evalsys.editor.blocks.Block`), the Saaty
    scale as written in files, :class:`~evalsys.editor.blocks.EditError`.
:mod:`~evalsys.editor.splice`
    Text edits of judgments that keep comments, order and every other byte.
:mod:`~evalsys.editor.document`
    The file being edited: validated edits and atomic, validated saving.
:mod:`~evalsys.editor.check`
    The live CR, most inconsistent judgment and suggested repair of one block.
:mod:`~evalsys.editor.session`
    One editing session and the JSON state of the page.
:mod:`~evalsys.editor.app`
    The bottle app, its JSON API and the local server; the page is ``static/editor.html``.

Nothing here is imported by ``evalsys --help``: the command imports it when it runs.
"""
