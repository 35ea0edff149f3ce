#!/usr/bin/env python3
"""Compile gettext catalogues (.po → .mo) with the standard library only.

``make setup`` runs ``manage.py compilemessages`` (GNU msgfmt); on a machine without gettext it
falls back to this script, so that the English interface works on a fresh machine anyway. Like
msgfmt, it leaves out fuzzy and untranslated entries and writes the GNU .mo format (little-endian,
no hash table: Python's ``gettext`` does not use one).

    python scripts/compile_catalogs.py                 # every locale/*/LC_MESSAGES/*.po
    python scripts/compile_catalogs.py a.po b.po       # just these, each to a.mo, b.mo
    python scripts/compile_catalogs.py a.po -o x.mo    # one file to a chosen name

Modelled on CPython's Tools/i18n/msgfmt.py.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class PoError(ValueError):
    pass


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(text: str, path, number: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise PoError(f"{path}:{number}: expected a quoted string")
    try:
        # a PO string is a C string; as a Python literal the escapes mean the same (\n \t \" \\)
        return ast.literal_eval(text)
    except (SyntaxError, ValueError) as err:
        raise PoError(f"{path}:{number}: bad string {text!r}") from err


def parse_po(path: str | Path) -> list[Entry]:
    """All entries of a .po file (the header included, obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field the next continuation line extends
    flags: set[str] = set()
    text = Path(path).read_text(encoding="utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
                target = None
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith('"'):
            if entry is None or target is None:
                raise PoError(f"{path}:{number}: string continuation outside an entry")
            value = _unquote(line, path, number)
            name, index = target
            if name == "msgstr":
                assert index is not None  # a msgstr target always carries its index
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise PoError(f"{path}:{number}: cannot parse {raw!r}")
        keyword, plural_index, quoted = match.group(1), match.group(2), match.group(3)
        value = _unquote(quoted, path, number)
        if keyword in ("msgctxt", "msgid") and entry is not None and (entry.msgstr or keyword == "msgctxt"):
            finish()
        if entry is None:
            entry = Entry(flags=flags, line=number)
            flags = set()
        if keyword == "msgctxt":
            entry.msgctxt = value
            target = ("msgctxt", None)
        elif keyword == "msgid":
            entry.msgid = value
            target = ("msgid", None)
        elif keyword == "msgid_plural":
            entry.msgid_plural = value
            target = ("msgid_plural", None)
        else:
            n = int(plural_index) if plural_index is not None else 0
            if plural_index is None and entry.msgid_plural is not None:
                raise PoError(f"{path}:{number}: plural entry needs msgstr[n]")
            entry.msgstr[n] = value
            target = ("msgstr", n)
    finish()
    return entries


def _charset(entries: list[Entry]) -> str:
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            match = re.search(r"charset=([\w-]+)", entry.msgstr.get(0, ""))
            if match:
                return match.group(1)
    return "utf-8"


def mo_bytes(entries: list[Entry]) -> bytes:
    """The GNU .mo image of the translated, non-fuzzy entries (and the header)."""
    charset = _charset(entries)
    catalogue: dict[bytes, bytes] = {}
    for entry in entries:
        is_header = entry.msgid == "" and entry.msgctxt is None
        if entry.fuzzy and not is_header:
            continue
        if not entry.translated:
            continue
        key = entry.msgid
        if entry.msgid_plural is not None:
            key += "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        value = "\0".join(entry.msgstr[i] for i in sorted(entry.msgstr))
        catalogue[key.encode(charset)] = value.encode(charset)
    keys = sorted(catalogue)
    ids = b"".join(k + b"\0" for k in keys)
    strs = b"".join(catalogue[k] + b"\0" for k in keys)
    count = len(keys)
    key_table = 7 * 4
    value_table = key_table + count * 8
    ids_start = value_table + count * 8
    strs_start = ids_start + len(ids)
    offsets = []
    id_pos = str_pos = 0
    for k in keys:
        offsets.append((len(k), ids_start + id_pos, len(catalogue[k]), strs_start + str_pos))
        id_pos += len(k) + 1
        str_pos += len(catalogue[k]) + 1
    out = [struct.pack("<7I", 0x950412DE, 0, count, key_table, value_table, 0, 0)]
    out += [struct.pack("<2I", length, start) for length, start, _l, _s in offsets]
    out += [struct.pack("<2I", length, start) for _l, _s, length, start in offsets]
    return b"".join(out) + ids + strs


def compile_file(po: Path, mo: Path | None = None) -> Path:
    """Write ``po`` compiled to ``mo`` (default: next to it), atomically: a process reading the
    catalogue meanwhile sees the old file or the new one, never half of one."""
    po = Path(po)
    mo = Path(mo) if mo else po.with_suffix(".mo")
    data = mo_bytes(parse_po(po))
    partial = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, mo)
    return mo


def default_files() -> list[Path]:
    return sorted((BASE_DIR / "locale").glob("*/LC_MESSAGES/*.po"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help=".po files (default: every catalogue in locale/)")
    parser.add_argument("-o", "--output", type=Path, help="output file (with exactly one .po file)")
    args = parser.parse_args(argv)
    files = args.files or default_files()
    if args.output and len(files) != 1:
        parser.error("-o needs exactly one .po file")
    try:
        for po in files:
            mo = compile_file(po, args.output)
            print(f"compiled {po} -> {mo}")
    except PoError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
