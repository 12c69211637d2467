"""Checks that each target of Package.swift declares every module its files import, and
imports every module it declares: SwiftPM lets a file import a module that only comes in
through another target's dependencies, which hides a seam crossed without saying so.

Usage: python3 ops/lib/target_imports.py  (in the package's folder; exits 1 on a mismatch)
"""
import glob
import json
import os
import re
import subprocess
import sys

# Modules of the toolchain, which no target declares.
TOOLCHAIN = {"Foundation", "Glibc", "Darwin", "Synchronization", "Dispatch", "Testing", "XCTest"}
IMPORT = re.compile(r"^(?:@testable |public |internal |package )?import (\w+)", re.MULTILINE)


def imported_modules(path):
    modules = set()
    for file in glob.glob(os.path.join(path, "**", "*.swift"), recursive=True):
        with open(file, encoding="utf-8") as source:
            modules.update(IMPORT.findall(source.read()))
    return modules - TOOLCHAIN


def main():
    description = json.loads(subprocess.run(
        ["swift", "package", "describe", "--type", "json"], check=True, capture_output=True, text=True
    ).stdout)
    problems = []
    for target in description["targets"]:
        declared = set(target.get("target_dependencies", [])) | set(target.get("product_dependencies", []))
        imported = imported_modules(target["path"])
        for module in sorted(imported - declared):
            problems.append(f"{target['name']} imports {module} without declaring it in Package.swift")
        for module in sorted(declared - imported):
            problems.append(f"{target['name']} declares {module} in Package.swift but no file of it imports it")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
