"""``glassnet lessons``: list and run the lessons.

A lesson is a script whose module docstring starts with its title and which
defines ``main(argv)``. The lessons live in the repository's ``lessons/``
folder and are installed with the package as ``glassnet.lessons`` (see
setup.py), so a checkout and an installed wheel find the same ones;
``$GLASSNET_LESSONS`` can point at another folder.
"""

import ast
import importlib.util
import os
from pathlib import Path

from .errors import CLIError

LESSONS_ENV = "GLASSNET_LESSONS"


def lessons_dir():
    """The lessons folder, or a CLIError that says how to get one."""
    env = os.environ.get(LESSONS_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise CLIError(f"${LESSONS_ENV} is {env!r}, which is not a folder")
        return path
    spec = importlib.util.find_spec("glassnet.lessons")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    # Run from a checkout that was never installed: lessons/ sits next to the package.
    root = Path(__file__).resolve().parents[2]
    if (root / "lessons").is_dir() and (root / "pyproject.toml").is_file():
        return root / "lessons"
    raise CLIError(f"the lessons were not found: reinstall glassnet, or point ${LESSONS_ENV} at a lessons/ "
                   "folder of its source repository")


def read_lesson(path):
    """``(title, has_main)`` from the file's source, without running it."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None, False
    doc = ast.get_docstring(tree) or ""
    title = doc.strip().splitlines()[0] if doc.strip() else ""
    has_main = any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body)
    return title, has_main


def find_lessons():
    """``{name: (path, title)}`` for every lesson, sorted by name.

    A lesson in a subfolder (``keras_book/ch2_mnist.py``) is named with it: ``keras_book/ch2_mnist``.
    """
    found = {}
    root = lessons_dir()
    for path in sorted(root.glob("*.py")) + sorted(root.glob("*/*.py")):
        if path.name.startswith("_"):
            continue
        title, has_main = read_lesson(path)
        if has_main:
            found[path.relative_to(root).with_suffix("").as_posix()] = (path, title.removeprefix("Lesson: "))
    return found


def list_lessons(args):
    lessons = find_lessons()
    if not lessons:
        print(f"No lessons in {lessons_dir()}")
        return 0
    width = max(len(name) for name in lessons) + 2
    print(f"Lessons in {lessons_dir()} (run one with `glassnet lessons run NAME`):")
    for name, (_, title) in lessons.items():
        print(f"  {name.ljust(width)}{title}")
    return 0


def run_lesson(args):
    lessons = find_lessons()
    if args.name not in lessons:
        raise CLIError(f"no lesson named {args.name!r}; available: {', '.join(lessons) or 'none'}", code=2)
    path = lessons[args.name][0]
    spec = importlib.util.spec_from_file_location(f"glassnet_lesson_{args.name.replace('/', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    extra = list(args.args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    result = module.main(extra)
    return result if isinstance(result, int) else 0
