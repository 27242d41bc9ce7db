"""The one thing pyproject.toml cannot say: the lessons ship inside the package as ``glassnet.lessons``.

They live in ``lessons/`` at the top of the repository (where learners look
for them) and are installed from there, so ``glassnet lessons list`` finds
the same lessons after ``pip install glassnet`` as in a checkout.
"""

from setuptools import find_packages, setup

LESSON_FOLDERS = ["", "keras_book", "keras_courses"]

setup(
    packages=find_packages(include=["glassnet", "glassnet.*"])
    + ["glassnet.lessons" + (f".{folder}" if folder else "") for folder in LESSON_FOLDERS],
    package_dir={"glassnet.lessons": "lessons"},
)
