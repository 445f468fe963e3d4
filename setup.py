"""Package discovery for simtlab (metadata lives in pyproject.toml).

The repository's top-level folders are the subpackages of one package, ``simtlab``: ``rtl/`` is
``simtlab.rtl`` and so on. setuptools' automatic discovery cannot rename folders, so this file finds
every package under those folders and maps it; new subpackages need no edit anywhere.
"""

from setuptools import find_packages, setup

#: Top-level folders that are subpackages of simtlab.
SUBPACKAGE_FOLDERS = ("rtl", "sim", "kernels", "drivers", "tb")

packages = find_packages(include=["simtlab", "simtlab.*"])
package_dir = {"simtlab": "simtlab"}
for folder in SUBPACKAGE_FOLDERS:
    for name in ["", *find_packages(folder)]:
        package = f"simtlab.{folder}" + (f".{name}" if name else "")
        packages.append(package)
        package_dir[package] = folder + ("/" + name.replace(".", "/") if name else "")

setup(packages=packages, package_dir=package_dir)
