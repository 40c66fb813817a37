"""``overseer scope explain``, served: one process answers many explain command lines.

The adversary rounds judge every call through ``scope explain`` and the real hook, and the
two must agree. Starting a Python process per explain doubled their cost (the suite ran past
its budget); this process runs the same click command (:data:`overseer.cli.cli`) for each
line it reads, in the world's environment and directory, so what is judged is what the
command judges. A process that answers many calls is also what a console is: a cache that
carried one call's answer into the next would make explain and the (fresh) hook disagree.

Protocol: one JSON array of arguments per line in; one JSON object per line out,
``{"code": EXIT, "out": STDOUT, "err": STDERR}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def serve() -> None:
    import click

    from overseer.cli import cli

    for line in sys.stdin:
        argv = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main(args=argv, prog_name="overseer", standalone_mode=False)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except click.exceptions.Exit as exc:
                code = exc.exit_code
            except click.ClickException as exc:
                code = exc.exit_code
                print(exc.format_message(), file=err)
            except Exception as exc:  # an error the command does not catch: the test fails
                code = 1
                print(f"{type(exc).__name__}: {exc}", file=err)
        answer = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
        sys.__stdout__.write(json.dumps(answer) + "\n")
        sys.__stdout__.flush()


if __name__ == "__main__":
    serve()
